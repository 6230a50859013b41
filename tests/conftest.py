"""The system under test: every real process of one deployment, started behind the gateway."""

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from medins.devstack import free_port
from medins.stack import DEFAULT_PORTS, Stack, StackConfig


@pytest.fixture(scope="session")
def stack(servers) -> Iterator[Stack]:
    base = Path(tempfile.mkdtemp(prefix="medins-system-"))
    cfg = StackConfig(
        base_dir=base,
        database_server_url=servers.database_server_url,
        amqp_url=servers.amqp_url,
        region="431000",
        ports={name: free_port() for name in DEFAULT_PORTS},
        database_prefix=f"sys{uuid.uuid4().hex[:6]}_",
        log_level="WARNING",
    )
    system = Stack(cfg)
    try:
        system.prepare()
        system.start(timeout=120)
        yield system
    finally:
        system.stop()
        shutil.rmtree(base, ignore_errors=True)


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
