"""Password logins on the gateway's real database: argon2 hashes, failures counted, lockout, unlock."""

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.accounts import AccountLocked, InvalidCredentials, password_login
from gateway.admin import main as admin_main
from gateway.admin import seed_demo, unlock, upsert_partner, upsert_staff
from gateway.demo import DEMO_STAFF
from gateway.models import EmployerAccount, InstitutionClient, PartnerRegion, StaffAccount
from gateway.passwords import verify_secret_sync
from medins.db import make_engine, make_sessionmaker
from medins.identity import generate_ed25519_keypair

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(make_database):
    url = make_database("gateway")
    engine = make_engine(url)
    yield url, make_sessionmaker(engine)
    await engine.dispose()


async def login(sessionmaker, staff_id, password):
    return await password_login(sessionmaker, StaffAccount, staff_id, password, max_failures=3, lockout_seconds=600)


async def test_a_password_is_stored_as_an_argon2_hash_and_logs_in(db):
    url, sessionmaker = db
    await upsert_staff(url, staff_id="wang", name="王五", region="431000", roles=["intake"], password="Secret-pass-1")
    async with sessionmaker() as session:
        account = await session.get(StaffAccount, "wang")
    assert account.password_hash.startswith("$argon2id$") and "Secret-pass-1" not in account.password_hash
    assert (await login(sessionmaker, "wang", "Secret-pass-1")).staff_id == "wang"


async def test_repeated_failures_lock_the_account_even_for_the_right_password(db):
    url, sessionmaker = db
    await upsert_staff(url, staff_id="li", name="李四", region="431000", roles=["review"], password="Secret-pass-2")
    for left in (2, 1):
        with pytest.raises(InvalidCredentials) as wrong:
            await login(sessionmaker, "li", "guess")
        assert f"再错 {left} 次" in wrong.value.detail
    with pytest.raises(AccountLocked) as locked:
        await login(sessionmaker, "li", "guess")
    assert locked.value.status == 401 and locked.value.code == "account_locked" and locked.value.retry_after == 600
    with pytest.raises(AccountLocked):
        await login(sessionmaker, "li", "Secret-pass-2")
    assert await unlock(url, "li")
    assert (await login(sessionmaker, "li", "Secret-pass-2")).failed_logins == 0


async def test_a_lockout_ends_by_itself(db):
    url, sessionmaker = db
    await upsert_staff(url, staff_id="zhao", name="赵六", region="431000", roles=["review"], password="Secret-pass-3")
    async with sessionmaker() as session, session.begin():
        account = await session.get(StaffAccount, "zhao")
        account.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    assert (await login(sessionmaker, "zhao", "Secret-pass-3")).locked_until is None


async def test_unknown_inactive_and_passwordless_accounts_all_say_the_same(db):
    url, sessionmaker = db
    await upsert_staff(url, staff_id="sso-only", name="单点登录", region="431000", roles=["intake"])
    for staff_id in ("nobody", "sso-only"):
        with pytest.raises(InvalidCredentials) as refused:
            await login(sessionmaker, staff_id, "whatever")
        assert refused.value.code == "invalid_credentials"


async def test_the_demo_seed(db):
    url, sessionmaker = db
    await seed_demo(url, "431000")
    for staff_id, _, roles, password in DEMO_STAFF:
        assert (await login(sessionmaker, staff_id, password)).roles == roles
    async with sessionmaker() as session:
        assert (await session.scalar(select(EmployerAccount))).uscc == "91431000MA4L0XXK0G"
        client = await session.scalar(select(InstitutionClient))
    assert client.client_id == "H43100200001" and verify_secret_sync(client.secret_hash, "demo-his-secret-2026")


def test_the_first_administrator_and_a_his_client_from_the_command_line(make_database, capsys, monkeypatch):
    url = make_database("gateway")
    monkeypatch.setattr("sys.stdin", io.StringIO("First-admin-2026\n"))
    assert (
        admin_main(["create-admin", "root", "--name", "首位管理员", "--region", "431000", "--database-url", url]) == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(SystemExit):
        admin_main(["create-admin", "root2", "--name", "弱密码", "--database-url", url])
    assert admin_main(["add-institution", "H43100200002", "--name", "第二医院", "--database-url", url]) == 0
    secret = capsys.readouterr().out.split("client_secret=")[1].split()[0]

    async def check() -> None:
        engine = make_engine(url)
        try:
            sessionmaker = make_sessionmaker(engine)
            assert (await login(sessionmaker, "root", "First-admin-2026")).roles == ["admin"]
            async with sessionmaker() as session:
                assert await session.get(StaffAccount, "root2") is None
                second = await session.get(InstitutionClient, "H43100200002")
            assert verify_secret_sync(second.secret_hash, secret)
        finally:
            await engine.dispose()

    asyncio.run(check())


async def test_a_partner_region_is_trusted_with_its_public_keys(db):
    url, sessionmaker = db
    _, public = generate_ed25519_keypair()
    await upsert_partner(
        url, admdvs="370700", name="潍坊市医疗保障局", base_url="http://wf.example/", public_keys_pem=[public]
    )
    async with sessionmaker() as session:
        partner = await session.get(PartnerRegion, "370700")
    assert partner.base_url == "http://wf.example" and partner.jwks["keys"][0]["crv"] == "Ed25519"
