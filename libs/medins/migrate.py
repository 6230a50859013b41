"""Run a service's Alembic migrations, and create its database when it does not exist yet."""

import asyncio
import importlib
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

SERVICES = ("registration", "transfer", "claims", "maternity", "institutions", "settlement")
#: every component with its own database: the six services and the gateway
COMPONENTS = (*SERVICES, "gateway")


def migrations_dir(service: str) -> Path:
    module = importlib.import_module(service)
    assert module.__file__
    # <component>/src/<service>/__init__.py  ->  <component>/migrations
    return Path(module.__file__).resolve().parents[2] / "migrations"


def alembic_config(service: str, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir(service)))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


async def ensure_database(database_url: str) -> None:
    """CREATE DATABASE if missing, connecting to the server's ``postgres`` database."""
    url = make_url(database_url)
    name = url.database
    assert name
    admin = url.set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def upgrade(service: str, database_url: str, *, create: bool = True) -> None:
    if create:
        asyncio.run(ensure_database(database_url))
    command.upgrade(alembic_config(service, database_url), "heads")
