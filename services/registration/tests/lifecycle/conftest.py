"""Fixtures of the lifecycle tests: the registration app in process on a migrated database, signed principals,
and helpers that apply for a case and complete it as a reviewer would."""

import json
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum.cn import ric
from stdnum.cn import uscc as uscc_code

from medins.db import make_engine
from medins.identity import InternalTokenSigner, Principal, PrincipalKind, generate_ed25519_keypair
from registration.config import Settings
from registration.main import create_app

REGION = "431000"
STAFF = Principal(PrincipalKind.staff, "s-lifecycle", REGION, frozenset({"intake", "review", "admin"}), "经办员")


def new_uscc() -> str:
    body = "91431000" + "".join(random.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + uscc_code.calc_check_digit(body)


def new_certno(born: date | None = None) -> str:
    born = born or date(1970, 1, 1) + timedelta(days=random.randrange(15000))
    body = f"431002{born:%Y%m%d}{random.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def unit_form(uscc: str, name: str = "郴州市示例科技有限公司") -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": name,
        "address": "郴州市北湖区人民西路1号",
        "legal_rep_name": "张三",
        "legal_rep_phone": "0735-2221234",
        "legal_rep_certno": "11010519491231002X",
        "handler_name": "李四",
        "handler_mobile": "13800138000",
        "insured_products": ["employee_medical"],
    }


def employer(uscc: str) -> Principal:
    return Principal(PrincipalKind.employer, uscc, REGION)


def person(certno: str) -> Principal:
    return Principal(PrincipalKind.person, certno, REGION)


@dataclass
class Api:
    client: httpx.AsyncClient
    signer: InternalTokenSigner
    engine: AsyncEngine
    staff: Principal

    def headers(self, principal: Principal | None = None) -> dict[str, str]:
        return {"x-medins-principal": self.signer.sign(principal or self.staff)}

    async def post(self, path: str, body: Any = None, principal: Principal | None = None, **kw: Any) -> httpx.Response:
        headers = self.headers(principal) | kw.pop("headers", {})
        if isinstance(body, bytes):
            return await self.client.post("/api/v1/registration" + path, content=body, headers=headers, **kw)
        return await self.client.post("/api/v1/registration" + path, json=body, headers=headers, **kw)

    async def get(self, path: str, principal: Principal | None = None, **kw: Any) -> httpx.Response:
        return await self.client.get("/api/v1/registration" + path, headers=self.headers(principal), **kw)

    async def complete(self, case: dict[str, Any]) -> dict[str, Any]:
        """办结 by a reviewer, unless the window already completed it (即时办结)."""
        if case["status"] == "completed":
            return case
        done = await self.post(f"/cases/{case['case_no']}/actions/complete", {})
        assert done.status_code == 200, done.text
        return dict(done.json())

    async def done(self, path: str, body: Any, principal: Principal | None = None) -> dict[str, Any]:
        """Apply, check the case was accepted at the window, and complete it."""
        applied = await self.post(path, body, principal)
        assert applied.status_code == 201, applied.text
        case = applied.json()["case"]
        assert case["status"] in ("accepted", "completed"), case
        return await self.complete(case)

    async def unit(self, uscc: str | None = None, name: str = "郴州市示例科技有限公司") -> str:
        uscc = uscc or new_uscc()
        body = {"form": unit_form(uscc, name), "materials": ["uscc_certificate", "unit_registration_form"]}
        await self.done("/unit-registrations", body)
        return uscc

    async def employees(self, uscc: str, *names: str, start_month: str = "2025-01") -> list[str]:
        numbers = [new_certno() for _ in names]
        rows = [
            {"name": n, "certno": c, "declared_monthly_wage": "6000.00", "start_month": start_month}
            for n, c in zip(names, numbers, strict=True)
        ]
        form = {"unit_uscc": uscc, "employees": rows}
        await self.done(
            "/employee-registrations", {"form": form, "materials": ["employee_registration_form", "id_document"]}
        )
        return numbers

    async def cases(self) -> int:
        return int(await self.scalar("SELECT count(*) FROM case_record"))

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        """The ``data`` of the outbox rows of one event type, oldest first."""
        rows = await self.rows("SELECT body FROM outbox WHERE type = :t ORDER BY created_at, id", t=event_type)
        return [json.loads(r.body)["data"] for r in rows]

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())


async def running_api(make_database, amqp_url: str, tmp_path: Path, region: str) -> AsyncIterator[Api]:
    engine = make_engine(make_database("registration"))
    private, public = generate_ed25519_keypair()
    (tmp_path / "internal-public.pem").write_bytes(public)
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        amqp_url=amqp_url,
        region=region,
        internal_public_key_file=tmp_path / "internal-public.pem",
        relay_enabled=False,
        consumers_enabled=False,
    )
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://registration", timeout=30) as client:
                staff = Principal(PrincipalKind.staff, "s-lifecycle", region, STAFF.roles, "经办员")
                yield Api(client, InternalTokenSigner(private), engine, staff)
    finally:
        await engine.dispose()


@pytest.fixture
async def api(make_database, amqp_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The registration service of 郴州市 (431000) in process."""
    async for running in running_api(make_database, amqp_url, tmp_path, REGION):
        yield running


@pytest.fixture
async def xuzhou(make_database, amqp_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The registration service of 徐州市 (320300) in process."""
    async for running in running_api(make_database, amqp_url, tmp_path, "320300"):
        yield running


@pytest.fixture
async def weifang(make_database, amqp_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    """The registration service of 潍坊市 (370700, the Shandong list) in process."""
    async for running in running_api(make_database, amqp_url, tmp_path, "370700"):
        yield running
