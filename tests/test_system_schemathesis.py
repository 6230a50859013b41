"""Schemathesis against the gateway's combined OpenAPI, as authenticated principals: no 5xx, ever.

Every operation of ``/openapi.json`` gets requests generated from its schema (schemathesis on hypothesis,
derandomized so that a run is repeatable), each one sent as an administrator, an insured person, a unit and
a hospital's HIS. Whatever the answer (2xx, 4xx problem+json), it must not be a server error. The principals
are this test's own, so the requests it spends count against nobody else's rate limit.
"""

import asyncio
import random
import uuid

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_code

from gateway.admin import upsert_employer, upsert_institution, upsert_staff

pytestmark = pytest.mark.system

EXAMPLES_PER_OPERATION = 8
ALL_ROLES = ["intake", "review", "second_review", "finance", "admin"]


def bearer(response: httpx.Response) -> dict[str, str]:
    response.raise_for_status()
    return {"authorization": f"Bearer {response.json()['access_token']}"}


class Principals:
    """This test's own principals: staff with every role (two, taking turns), a unit, a hospital, and a new
    insured person for each operation (a person's rate limit is the lowest)."""

    def __init__(self, stack) -> None:
        self.gateway, self.issuer = stack.cfg.url("gateway"), stack.cfg.url("devissuer")
        tag = uuid.uuid4().hex[:6]
        body = "91431000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
        self.uscc = body + uscc_code.calc_check_digit(body)
        self.client_id = f"H4310{random.randrange(10**7):07d}"
        self.admins = [f"fuzz-{tag}-{i}" for i in range(2)]
        asyncio.run(self._accounts(stack.cfg.database_url("gateway")))
        self.staff = [bearer(httpx.post(f"{self.issuer}/staff-token", json={"staff_id": s})) for s in self.admins]
        login = {"uscc": self.uscc, "password": "Fuzz-unit-2026"}
        self.unit = bearer(httpx.post(f"{self.gateway}/api/v1/auth/employer/token", json=login))
        credentials = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": "fuzz-2026"}
        self.hospital = bearer(httpx.post(f"{self.gateway}/api/v1/auth/token", data=credentials))

    async def _accounts(self, database: str) -> None:
        for staff_id in self.admins:
            await upsert_staff(database, staff_id=staff_id, name="模糊测试", region="431000", roles=ALL_ROLES)
        await upsert_employer(database, uscc=self.uscc, name="模糊测试单位", region="431000", password="Fuzz-unit-2026")
        await upsert_institution(
            database,
            client_id=self.client_id,
            name="模糊测试医院",
            region="431000",
            secret="fuzz-2026",
            rate_limit_per_minute=100_000,
        )

    def for_operation(self, index: int) -> dict[str, dict[str, str]]:
        birth = 1990 + index % 15
        body = f"431002{birth}0{1 + index % 9}1{1 + index % 9}{random.randrange(1000):03d}"
        person = {"certno": body + ric.calc_check_digit(body + "0"), "name": "模糊测试", "region": "431000"}
        return {
            "staff": self.staff[index % 2],
            "person": bearer(httpx.post(f"{self.issuer}/ecredential-token", json=person)),
            "unit": self.unit,
            "hospital": self.hospital,
        }


def fuzz(operation, base_url: str, as_whom: dict[str, dict[str, str]], server_errors: list[str]) -> None:
    """Sends the operation's generated requests as each principal; records any 5xx."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        for who, headers in as_whom.items():
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            if response.status_code >= 500:
                server_errors.append(f"{operation.label} as {who}: {response.status_code} {response.text[:300]}")

    run()


def test_no_generated_request_gets_a_server_error(stack):
    principals = Principals(stack)
    schema = schemathesis.openapi.from_url(stack.cfg.url("gateway") + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    server_errors: list[str] = []
    for index, operation in enumerate(operations):
        fuzz(operation, stack.cfg.url("gateway"), principals.for_operation(index), server_errors)
    assert not server_errors, "\n".join(sorted(set(server_errors))[:30])
