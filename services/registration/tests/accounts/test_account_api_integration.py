"""The account routes in process on a real PostgreSQL: Idempotency-Key replay, conflict and races; who sees what."""

import asyncio
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from medins.identity import Principal, PrincipalKind

pytestmark = pytest.mark.integration

REGION = "431000"
FINANCE = Principal(PrincipalKind.staff, "s-finance", REGION, frozenset({"finance"}), "财务")
INTAKE = Principal(PrincipalKind.staff, "s-intake", REGION, frozenset({"intake", "review"}), "受理")
CREDITS = "/api/v1/registration/accounts/credits"


def person(certno: str) -> Principal:
    return Principal(PrincipalKind.person, certno, REGION)


def batch(*lines: tuple[str, str, str]) -> dict:
    return {"lines": [{"certno": c, "amount": a, "reference": r} for c, a, r in lines]}


async def test_a_replayed_credit_returns_the_first_response_and_moves_money_once(db, api):
    number = await db.enrol("王五")
    key = str(uuid.uuid4())
    body = batch((number, "321.45", "CONTRIB-2026-10"))
    first = await api.client.post(CREDITS, json=body, headers=api.headers(FINANCE, key))
    assert first.status_code == 201, first.text
    assert first.json()["posted"] == 1 and first.json()["total_posted"] == "321.45"
    again = await api.client.post(CREDITS, json=body, headers=api.headers(FINANCE, key))
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotency-replayed"] == "true" and "idempotency-replayed" not in first.headers
    assert await db.balance(number) == Decimal("321.45")
    # a new key for the same reference: accepted, but the reference moves no money again
    other_key = await api.client.post(CREDITS, json=body, headers=api.headers(FINANCE, str(uuid.uuid4())))
    assert other_key.status_code == 201 and other_key.json()["duplicates"] == 1 and other_key.json()["posted"] == 0
    assert await db.balance(number) == Decimal("321.45")


async def test_the_same_key_with_another_body_is_refused_and_changes_nothing(db, api):
    number = await db.enrol("赵六")
    key = str(uuid.uuid4())
    first = await api.client.post(CREDITS, json=batch((number, "10.00", "R1")), headers=api.headers(FINANCE, key))
    assert first.status_code == 201
    reused = await api.client.post(CREDITS, json=batch((number, "99.00", "R2")), headers=api.headers(FINANCE, key))
    assert reused.status_code == 409
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["code"] == "idempotency_key_reused" and "幂等键" in reused.json()["title"]
    assert await db.balance(number) == Decimal("10.00")


async def test_concurrent_requests_with_one_key_move_money_once_and_all_get_the_same_answer(db, api):
    number = await db.enrol("钱七")
    key = str(uuid.uuid4())
    body = batch((number, "88.88", "R-RACE"))
    responses = await asyncio.gather(
        *(api.client.post(CREDITS, json=body, headers=api.headers(FINANCE, key)) for _ in range(12))
    )
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.text for r in responses}) == 1
    assert sum(r.headers.get("idempotency-replayed") != "true" for r in responses) == 1
    assert await db.balance(number) == Decimal("88.88")
    assert await db.ledger(number) == (Decimal("88.88"), 1)


async def test_a_money_post_without_an_idempotency_key_is_refused(db, api):
    number = await db.enrol("孙八")
    response = await api.client.post(CREDITS, json=batch((number, "1.00", "R")), headers=api.headers(FINANCE))
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"
    assert "Idempotency-Key" in response.json()["detail"]
    assert await db.balance(number) is None


async def test_bad_credit_input_is_a_chinese_problem_never_a_500(db, api):
    number = await db.enrol("周九")
    cases = [
        (batch((number, "1.001", "R")), 422, "validation_error"),  # more than two decimal places
        (batch(("110105194912310021", "1.00", "R")), 422, "validation_error"),  # wrong check digit
        (batch((number, "-5.00", "R")), 422, "credit_batch_refused"),
        ({"lines": []}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        response = await api.client.post(CREDITS, json=body, headers=api.headers(FINANCE, str(uuid.uuid4())))
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
    debit = await api.client.post(
        f"/api/v1/registration/accounts/{number}/debits",
        json={"amount": "1.00", "reason": "withdrawal", "reference": "X"},
        headers=api.headers(FINANCE, str(uuid.uuid4())),
    )
    assert debit.status_code == 403 and debit.json()["code"] == "debit_reason_not_allowed"
    assert await db.balance(number) is None


async def test_only_finance_posts_money_and_a_person_sees_only_their_own_account(db, api):
    number, other = await db.enrol("吴十"), await db.enrol("郑十一")
    body = batch((number, "50.00", "R"), (other, "60.00", "R"))
    by_intake = await api.client.post(CREDITS, json=body, headers=api.headers(INTAKE, str(uuid.uuid4())))
    assert by_intake.status_code == 403 and by_intake.json()["code"] == "role_required"
    by_person = await api.client.post(CREDITS, json=body, headers=api.headers(person(number), str(uuid.uuid4())))
    assert by_person.status_code == 403
    assert (await api.client.post(CREDITS, json=body, headers=api.headers(FINANCE, "k-1"))).status_code == 201
    mine = await api.client.get("/api/v1/registration/accounts/me", headers=api.headers(person(number)))
    assert mine.status_code == 200, mine.text
    assert mine.json()["account"]["balance"] == "50.00" and mine.json()["account"]["name"] == "吴十"
    assert mine.json()["account"]["certno_masked"] == number[:6] + "********" + number[-4:]
    entry = mine.json()["entries"][0]
    assert (entry["direction"], entry["amount"], entry["reason_label"], entry["balance_after"]) == (
        "credit",
        "50.00",
        "按月划入",
        "50.00",
    )
    same = await api.client.get(f"/api/v1/registration/accounts/{number}", headers=api.headers(person(number)))
    assert same.json() == mine.json()
    theirs = await api.client.get(f"/api/v1/registration/accounts/{other}", headers=api.headers(person(number)))
    assert theirs.status_code == 403 and theirs.json()["code"] == "not_owner"
    staff_view = await api.client.get(f"/api/v1/registration/accounts/{other}", headers=api.headers(INTAKE))
    assert staff_view.status_code == 200 and staff_view.json()["account"]["balance"] == "60.00"
    bad = await api.client.get("/api/v1/registration/accounts/12345", headers=api.headers(INTAKE))
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_certno"
    nobody = await api.client.get("/api/v1/registration/accounts/11010519491231002X", headers=api.headers(INTAKE))
    assert nobody.status_code == 404 and nobody.json()["code"] == "account_not_found"


async def test_keys_are_per_caller_so_two_staff_may_use_the_same_key(db, api):
    number = await db.enrol("王十二")
    other_finance = Principal(PrincipalKind.staff, "s-finance-2", REGION, frozenset({"finance"}))
    a = await api.client.post(CREDITS, json=batch((number, "1.00", "A")), headers=api.headers(FINANCE, "shared"))
    b = await api.client.post(CREDITS, json=batch((number, "2.00", "B")), headers=api.headers(other_finance, "shared"))
    assert (a.status_code, b.status_code) == (201, 201)
    assert await db.balance(number) == Decimal("3.00")
    async with db.engine.connect() as conn:
        owners = (await conn.execute(text("SELECT owner FROM idempotency_key ORDER BY owner"))).scalars().all()
    assert owners == ["staff:s-finance", "staff:s-finance-2"]
