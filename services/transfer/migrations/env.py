from medins.alembic_env import run_migrations
from transfer.models import Base

run_migrations(Base.metadata)
