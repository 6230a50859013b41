"""The account ledger on a real PostgreSQL: never below zero under concurrent debits, idempotent by reference."""

import asyncio
import json
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from medins.errors import ProblemError
from registration.accounts import service
from registration.accounts.domain import EntryReason, InsufficientBalance

pytestmark = pytest.mark.integration

ACTOR = "staff:s-finance"


async def credit(db, number: str, amount: str, reference: str) -> service.Posting:
    async with db.uow() as uow:
        posting = await service.credit(
            uow,
            certno=number,
            amount=Decimal(amount),
            reason=EntryReason.contribution_allocation,
            reference=reference,
            actor=ACTOR,
        )
        await uow.commit()
    return posting


async def debit(db, number: str, amount: str, reference: str) -> service.Posting:
    async with db.uow() as uow:
        posting = await service.debit(
            uow, certno=number, amount=Decimal(amount), reason=EntryReason.clawback, reference=reference, actor=ACTOR
        )
        await uow.commit()
    return posting


async def test_fifty_concurrent_debits_cannot_overdraw_and_the_ledger_sums_to_the_balance_to_the_fen(db):
    number = await db.enrol("王五")
    await credit(db, number, "1000.00", "2026-10")
    # 50 debits of 30.01 against 1000.00, each in its own session and transaction, all at once
    results = await asyncio.gather(
        *(debit(db, number, "30.01", f"clawback-{i}") for i in range(50)), return_exceptions=True
    )
    paid = [r for r in results if isinstance(r, service.Posting)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert len(paid) + len(refused) == 50, [r for r in results if not isinstance(r, service.Posting | ProblemError)]
    assert len(paid) == 33  # 33 × 30.01 = 990.33; a 34th would take the balance below zero
    assert await db.balance(number) == Decimal("9.67")
    total, entries = await db.ledger(number)
    assert (total, entries) == (Decimal("9.67"), 34)
    # the entries are numbered 1 … 34 in the order they happened, each balance_after one step from the last
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT entry_no, direction, amount, balance_after FROM account_entry ORDER BY 1"))
        ).all()
    assert [r.entry_no for r in rows] == list(range(1, 35))
    running = Decimal("0.00")
    for row in rows:
        running += row.amount if row.direction == "credit" else -row.amount
        assert row.balance_after == running >= 0


async def test_credits_and_debits_racing_each_other_keep_the_ledger_equal_to_the_balance(db):
    number = await db.enrol("赵六")
    await credit(db, number, "100.00", "opening")
    moves = [credit(db, number, "10.10", f"c{i}") for i in range(20)] + [
        debit(db, number, "25.25", f"d{i}") for i in range(20)
    ]
    await asyncio.gather(*moves, return_exceptions=True)
    balance = await db.balance(number)
    total, _ = await db.ledger(number)
    assert balance == total and balance is not None and balance >= 0


async def test_the_same_reference_posted_twice_moves_money_once(db):
    number = await db.enrol("钱七")
    first = await credit(db, number, "500.00", "CONTRIB-2026-10")
    again = await credit(db, number, "500.00", "CONTRIB-2026-10")
    assert not first.duplicate and again.duplicate and again.entry.id == first.entry.id
    assert await db.balance(number) == Decimal("500.00")
    racing = await asyncio.gather(*(credit(db, number, "80.00", "CONTRIB-2026-11") for _ in range(10)))
    assert sum(not p.duplicate for p in racing) == 1
    assert await db.balance(number) == Decimal("580.00")
    with pytest.raises(service.ReferenceConflict):
        await credit(db, number, "81.00", "CONTRIB-2026-11")  # the same reference for another amount
    async with db.engine.connect() as conn:
        events = (await conn.execute(text("SELECT type, body FROM outbox ORDER BY created_at"))).all()
    credited = [json.loads(e.body)["data"] for e in events if e.type == "registration.account.credited.v1"]
    assert [(c["amount"], c["balance_after"], c["reference"]) for c in credited] == [
        ("500.00", "500.00", "CONTRIB-2026-10"),
        ("80.00", "580.00", "CONTRIB-2026-11"),
    ]


async def test_a_debit_larger_than_the_balance_changes_nothing(db):
    number = await db.enrol("孙八")
    await credit(db, number, "20.00", "opening")
    with pytest.raises(InsufficientBalance) as refused:
        await debit(db, number, "20.01", "too-much")
    assert refused.value.status == 422 and "20.01" in refused.value.detail
    assert await db.balance(number) == Decimal("20.00")
    assert await db.ledger(number) == (Decimal("20.00"), 1)


async def test_a_bulk_credit_with_a_bad_line_posts_nothing_and_names_the_line(db):
    good = await db.enrol("周九")
    resident = await db.enrol("吴十", insutype="390")  # 城乡居民 have no personal account
    lines = [
        service.CreditLine(good, Decimal("300.00"), EntryReason.contribution_allocation, "B1"),
        service.CreditLine(resident, Decimal("300.00"), EntryReason.contribution_allocation, "B1"),
    ]
    async with db.uow() as uow:
        with pytest.raises(service.BatchRefused) as refused:
            await service.post_credits(uow, lines=lines, actor=ACTOR)
    assert refused.value.errors[0]["line"] == 2 and "职工基本医疗保险" in refused.value.errors[0]["message"]
    assert await db.balance(good) is None
    unknown = [*lines[:1], service.CreditLine("11010519491231002X", Decimal("1.00"), EntryReason.transfer_in, "B1")]
    async with db.uow() as uow:
        with pytest.raises(service.BatchRefused) as refused:
            await service.post_credits(uow, lines=unknown, actor=ACTOR)
    assert refused.value.errors == [{"line": 2, "certno": "11010519491231002X", "message": "本统筹区没有该参保人员"}]


async def test_the_database_itself_refuses_a_negative_balance_and_any_edit_of_the_ledger(db):
    number = await db.enrol("郑十一")
    await credit(db, number, "10.00", "opening")
    async with db.engine.connect() as conn:
        with pytest.raises(DBAPIError, match="personal_account_balance_not_negative"):
            await conn.execute(text("UPDATE personal_account SET balance = balance - 10.01"))
        await conn.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(text("UPDATE account_entry SET amount = 1"))
        await conn.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(text("DELETE FROM account_entry"))
