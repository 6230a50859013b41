from institutions.models import Base
from medins.alembic_env import run_migrations

run_migrations(Base.metadata)
