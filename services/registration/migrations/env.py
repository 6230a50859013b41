from medins.alembic_env import run_migrations
from registration.models import Base

run_migrations(Base.metadata)
