"""Real servers for the whole suite: PostgreSQL and RabbitMQ.

Order: ``TEST_DATABASE_URL`` / ``TEST_AMQP_URL`` when set; else testcontainers where a Docker engine
runs; else local server processes started here (and stopped by PID at the end). With ``CI=true`` a
server that cannot be had fails the run; elsewhere the tests that need it are skipped with the reason.
"""

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

# the real ``gateway`` package, before pytest (importmode=importlib) collects gateway/tests and makes the
# top-level folder gateway/ a namespace package of that name, which would shadow it
import gateway  # noqa: F401
from medins.devstack import LocalPostgres, LocalRabbitMQ, drop_databases, free_port
from medins.migrate import upgrade

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@dataclass
class Servers:
    database_server_url: str  # postgresql+asyncpg://user:pass@host:port
    amqp_url: str
    how: str


def _server_url(database_url: str) -> str:
    """The server part of a database URL (no database name), with the asyncpg driver."""
    url = make_url(database_url).set(drivername="postgresql+asyncpg", database="")
    return url.render_as_string(hide_password=False).rstrip("/")


def _from_testcontainers(stack: list[object]) -> Servers | None:
    try:
        from testcontainers.postgres import PostgresContainer
        from testcontainers.rabbitmq import RabbitMqContainer

        pg = PostgresContainer("postgres:15", driver="asyncpg")
        rabbit = RabbitMqContainer("rabbitmq:3.13")
    except Exception:  # DockerException from the constructor where no engine runs
        return None
    pg.start()
    stack.append(pg)
    rabbit.start()
    stack.append(rabbit)
    params = rabbit.get_connection_params()
    amqp = f"amqp://guest:guest@{params.host}:{params.port}/"
    return Servers(_server_url(pg.get_connection_url()), amqp, "testcontainers")


def _need(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    cleanup: list[object] = []
    tmp = Path(tempfile.mkdtemp(prefix="medins-test-"))
    try:
        db_env, amqp_env = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_AMQP_URL")
        found = None
        if db_env and amqp_env:
            found = Servers(_server_url(db_env), amqp_env, "environment")
        if found is None and not (db_env or amqp_env):
            found = _from_testcontainers(cleanup)
        if found is None:
            try:
                if db_env:
                    db_server = _server_url(db_env)
                else:
                    pg = LocalPostgres(tmp / "pg", free_port(), durable=False)
                    pg.start()
                    cleanup.append(pg)
                    db_server = _server_url(pg.url("postgres"))
                if amqp_env:
                    amqp = amqp_env
                else:
                    rabbit = LocalRabbitMQ(
                        tmp / "rabbit", free_port(), node_name=f"medinstest{uuid.uuid4().hex[:8]}@localhost"
                    )
                    rabbit.start()
                    cleanup.append(rabbit)
                    amqp = rabbit.url
                found = Servers(db_server, amqp, "local processes")
            except Exception as exc:
                _need(f"no PostgreSQL/RabbitMQ available: {exc}")
        assert found is not None
        yield found
    finally:
        for thing in reversed(cleanup):
            stop = getattr(thing, "stop", None)
            if stop is not None:
                try:
                    stop()
                except Exception as exc:  # report but keep stopping the others
                    print(f"could not stop {thing}: {exc}")
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def need() -> Callable[[str], None]:
    """``need(reason)``: a server the tests need cannot be had: a failure in CI, a skip elsewhere."""
    return _need


@pytest.fixture(scope="session")
def make_database(servers: Servers) -> Iterator[Callable[[str], str]]:
    """``make_database(component)`` creates a fresh database migrated for that component; returns its URL.
    On a server of the environment's (``TEST_DATABASE_URL``), which outlives the run, the databases are dropped
    at the end of the run: a full run makes some 700 of them."""
    created: list[str] = []

    def create(component: str) -> str:
        name = f"t_{component}_{uuid.uuid4().hex[:10]}"
        created.append(name)
        url = f"{servers.database_server_url}/{name}"
        # Alembic runs its own event loop: keep it off the test's loop, which may be running
        with ThreadPoolExecutor(1) as pool:
            pool.submit(upgrade, component, url, create=True).result()
        return url

    yield create
    if servers.how == "environment":
        drop_databases(servers.database_server_url, created)


@pytest.fixture(scope="session")
def amqp_url(servers: Servers) -> str:
    return servers.amqp_url


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[LocalRabbitMQ]:
    """A RabbitMQ node of this test's own, which the test may kill and restart."""
    rabbit = LocalRabbitMQ(tmp_path / "rabbit", free_port(), node_name=f"medinskill{uuid.uuid4().hex[:8]}@localhost")
    try:
        rabbit.start()
    except Exception as exc:
        _need(f"cannot start a private RabbitMQ node: {exc}")
    try:
        yield rabbit
    finally:
        rabbit.stop()
