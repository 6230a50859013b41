from medins.alembic_env import run_migrations
from settlement.models import Base

run_migrations(Base.metadata)
