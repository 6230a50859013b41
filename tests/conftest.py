"""The system under test: every real process of one deployment, started behind the gateway."""

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from medins.devstack import LocalRabbitMQ, drop_databases, free_port
from medins.migrate import COMPONENTS
from medins.stack import DEFAULT_PORTS, Stack, StackConfig


@contextmanager
def running_stack(servers, region: str, *, amqp_url: str | None = None) -> Iterator[Stack]:
    """One deployment of every real process, on free ports, with its own databases. On a broker of its own
    (``amqp_url``) it uses the exchange and queue names a deployment has; on the shared test broker its
    names carry a prefix of their own."""
    base = Path(tempfile.mkdtemp(prefix=f"medins-system-{region}-"))
    tag = uuid.uuid4().hex[:6]
    cfg = StackConfig(
        base_dir=base,
        database_server_url=servers.database_server_url,
        amqp_url=amqp_url or servers.amqp_url,
        region=region,
        ports={name: free_port() for name in DEFAULT_PORTS},
        database_prefix=f"sys{tag}_",
        log_level="WARNING",
        bus_prefix="" if amqp_url else f"sys{tag}.",
    )
    system = Stack(cfg)
    try:
        system.prepare()
        system.start(timeout=120)
        yield system
    finally:
        system.stop()
        if servers.how == "environment":  # a server that outlives the run keeps no deployment's databases
            drop_databases(servers.database_server_url, [f"{cfg.database_prefix}{c}" for c in COMPONENTS])
        if os.environ.get("MEDINS_KEEP_STACK"):  # keep the logs to look into a failure
            print(f"stack logs kept in {base}/logs")
        else:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(servers) -> Iterator[Stack]:
    """The deployment of 郴州市 (431000)."""
    with running_stack(servers, "431000") as system:
        yield system


@pytest.fixture(scope="session")
def second_broker(servers, need: Callable[[str], None]) -> Iterator[str]:
    """A RabbitMQ broker of the second deployment's own (a container where Docker runs, else a local node):
    two agencies' deployments share no broker, only the partner API."""
    if servers.how == "testcontainers":
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13")
        container.start()
        try:
            params = container.get_connection_params()
            yield f"amqp://guest:guest@{params.host}:{params.port}/"
        finally:
            container.stop()
        return
    base = Path(tempfile.mkdtemp(prefix="medins-broker-370700-"))
    rabbit = LocalRabbitMQ(base / "rabbit", free_port(), node_name=f"medins370700{uuid.uuid4().hex[:8]}@localhost")
    try:
        rabbit.start()
    except Exception as exc:
        need(f"cannot start the second deployment's RabbitMQ node: {exc}")
    try:
        yield rabbit.url
    finally:
        rabbit.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def stack_370700(servers, second_broker: str) -> Iterator[Stack]:
    """A second deployment, 潍坊市 under the Shandong list (370700), beside the first: its own databases on
    the same PostgreSQL server, its own RabbitMQ broker, gateway, keys and partner key."""
    with running_stack(servers, "370700", amqp_url=second_broker) as system:
        yield system


@pytest.fixture(scope="session")
def staff_token(stack: Stack) -> Callable[[str], str]:
    """``staff_token(staff_id)``: a bearer token from the development issuer."""

    def issue(staff_id: str = "demo-intake") -> str:
        response = httpx.post(stack.cfg.url("devissuer") + "/staff-token", json={"staff_id": staff_id})
        response.raise_for_status()
        return str(response.json()["access_token"])

    return issue


@pytest.fixture(scope="session")
def gateway(stack: Stack, staff_token: Callable[[str], str]) -> Iterator[httpx.Client]:
    token = staff_token("demo-intake")
    with httpx.Client(
        base_url=stack.cfg.url("gateway"), headers={"authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


# ---- principals of every kind (issue 4) ----------------------------------------------------------


@pytest.fixture(scope="session")
def person_token(stack: Stack) -> Callable[..., str]:
    """``person_token(certno, name, region)``: a 医保电子凭证 from the development issuer."""

    def issue(certno: str, name: str = "测试参保人", region: str = "431000") -> str:
        body = {"certno": certno, "name": name, "region": region}
        response = httpx.post(stack.cfg.url("devissuer") + "/ecredential-token", json=body)
        response.raise_for_status()
        return str(response.json()["access_token"])

    return issue


@pytest.fixture(scope="session")
def admin(stack: Stack, staff_token: Callable[[str], str]) -> Iterator[httpx.Client]:
    """The gateway as demo-admin (all roles), for setting up accounts."""
    token = staff_token("demo-admin")
    with httpx.Client(
        base_url=stack.cfg.url("gateway"), headers={"authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture(scope="session")
def his_token(stack: Stack, admin: httpx.Client) -> Callable[..., str]:
    """``his_token(fixmedins_code, rate_limit_per_minute=None)``: registers a HIS client, returns its token."""

    def issue(code: str, rate_limit_per_minute: int | None = None) -> str:
        created = admin.post(
            "/api/v1/admin/institution-clients",
            json={"fixmedins_code": code, "name": f"测试医院{code}", "rate_limit_per_minute": rate_limit_per_minute},
        )
        created.raise_for_status()
        secret = created.json()["client_secret"]
        response = httpx.post(
            stack.cfg.url("gateway") + "/api/v1/auth/token",
            data={"grant_type": "client_credentials", "client_id": code, "client_secret": secret},
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    return issue
