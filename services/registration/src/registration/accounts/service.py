"""Use cases of the account ledger: credits and debits, never below zero, idempotent by reference.

Every movement locks its account row (``SELECT … FOR UPDATE``) for the rest of the transaction, so the
movements of one account happen one after another: the reference check, the balance check, the update
(``… WHERE balance >= :amount`` as well) and the ledger entry see the balance the previous movement left.
``CHECK (balance >= 0)`` stops anything that would get past that. Several accounts are locked in the
order of their 身份证号, so two batches never wait on each other in a circle.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from medins.db import UnitOfWork
from medins.errors import Conflict, NotFound, ProblemError
from registration.accounts.domain import (
    CREDIT_REASONS,
    Direction,
    EntryReason,
    InsufficientBalance,
    check_credit,
    check_debit,
)
from registration.accounts.models import AccountEntry, PersonalAccount
from registration.events import AccountCredited, AccountDebited
from registration.persons.models import Enrolment, InsuredPerson

EMPLOYEE_MEDICAL = "310"


class AccountNotFound(NotFound):
    code = "account_not_found"
    title = "未找到个人账户"


class PersonNotFound(NotFound):
    code = "person_not_found"
    title = "未找到参保人员"


class NoEmployeeEnrolment(ProblemError):
    status = 422
    code = "no_employee_enrolment"
    title = "该人员未参加职工基本医疗保险，没有个人账户"


class ReferenceConflict(Conflict):
    code = "reference_conflict"
    title = "业务流水号已用于另一笔不同的账户变动"


@dataclass(frozen=True)
class Posting:
    """The outcome of one movement: its ledger entry, or the earlier one with the same reference."""

    account: PersonalAccount
    entry: AccountEntry
    duplicate: bool


@dataclass(frozen=True)
class CreditLine:
    certno: str
    amount: Decimal
    reason: EntryReason
    reference: str
    note: str | None = None


async def get_person(session: AsyncSession, certno: str) -> InsuredPerson:
    person = await session.scalar(select(InsuredPerson).where(InsuredPerson.certno == certno))
    if person is None:
        raise PersonNotFound(f"本统筹区没有身份证号为 {certno} 的参保人员")
    return person


async def employee_enrolment_status(session: AsyncSession, person_id: uuid.UUID) -> str | None:
    """The status of the person's 职工医保 (310) enrolment, None if they never had one."""
    return await session.scalar(
        select(Enrolment.status).where(Enrolment.person_id == person_id, Enrolment.insutype == EMPLOYEE_MEDICAL)
    )


async def lock_account(session: AsyncSession, certno: str) -> PersonalAccount:
    """The account, locked until the transaction ends; 404 if the person has none."""
    account = await session.scalar(
        select(PersonalAccount)
        .where(PersonalAccount.certno == certno)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if account is None:
        raise AccountNotFound(f"身份证号为 {certno} 的人员没有个人账户")
    return account


async def open_account(session: AsyncSession, person: InsuredPerson) -> None:
    """Open the person's account if they have none (职工医保 only); safe when two open it at once."""
    if await employee_enrolment_status(session, person.id) is None:
        raise NoEmployeeEnrolment(f"{person.name}（{person.certno}）未参加职工基本医疗保险，不能划入个人账户")
    now = datetime.now(UTC)
    await session.execute(
        insert(PersonalAccount)
        .values(
            id=uuid.uuid4(),
            person_id=person.id,
            psn_no=person.psn_no,
            certno=person.certno,
            balance=Decimal("0.00"),
            version=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["person_id"])
    )


async def _earlier(
    session: AsyncSession, account: PersonalAccount, *, direction: Direction, amount: Decimal, reason: str, ref: str
) -> AccountEntry | None:
    entry = await session.scalar(
        select(AccountEntry).where(AccountEntry.account_id == account.id, AccountEntry.reference == ref)
    )
    if entry is None:
        return None
    if (entry.direction, entry.amount, entry.reason) != (str(direction), amount, reason):
        raise ReferenceConflict(
            f"业务流水号 {ref} 已用于该账户的另一笔变动（{entry.direction} {entry.amount:.2f} 元），不能用于不同的变动"
        )
    return entry


async def _post(
    uow: UnitOfWork,
    account: PersonalAccount,
    *,
    direction: Direction,
    amount: Decimal,
    reason: EntryReason,
    reference: str,
    note: str | None,
    actor: str,
) -> Posting:
    """One movement of an account the caller has locked."""
    session = uow.session
    earlier = await _earlier(session, account, direction=direction, amount=amount, reason=str(reason), ref=reference)
    if earlier is not None:
        return Posting(account, earlier, duplicate=True)
    if direction is Direction.debit:
        check_debit(account.balance, amount)
        delta, guard = -amount, PersonalAccount.balance >= amount
    else:
        check_credit(amount)
        delta, guard = amount, PersonalAccount.balance >= 0
    now = datetime.now(UTC)
    moved = (
        await session.execute(
            update(PersonalAccount)
            .where(PersonalAccount.id == account.id, guard)
            .values(balance=PersonalAccount.balance + delta, version=PersonalAccount.version + 1, updated_at=now)
            .returning(PersonalAccount.balance, PersonalAccount.version)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if moved is None:  # cannot happen while the row is locked; the guard is the second line of defence
        raise InsufficientBalance("个人账户余额不足，不能透支")
    for name, value in (("balance", moved.balance), ("version", moved.version), ("updated_at", now)):
        set_committed_value(account, name, value)  # what the database now holds; no second UPDATE at flush
    entry = AccountEntry(
        id=uuid.uuid4(),
        account_id=account.id,
        entry_no=moved.version,
        direction=str(direction),
        amount=amount,
        reason=str(reason),
        reference=reference,
        note=note,
        balance_after=moved.balance,
        created_by=actor,
        created_at=now,
    )
    session.add(entry)
    event_type = AccountCredited if direction is Direction.credit else AccountDebited
    uow.publish(
        event_type(
            account_id=account.id,
            psn_no=account.psn_no,
            certno=account.certno,
            amount=amount,
            balance_after=moved.balance,
            reason=str(reason),
            reference=reference,
            entry_no=moved.version,
            occurred_at=now,
            region=uow.region,
        )
    )
    await session.flush()
    return Posting(account, entry, duplicate=False)


async def credit(
    uow: UnitOfWork,
    *,
    certno: str,
    amount: Decimal,
    reason: EntryReason,
    reference: str,
    actor: str,
    note: str | None = None,
) -> Posting:
    """划入: opens the account at the first credit."""
    return (await post_credits(uow, lines=[CreditLine(certno, amount, reason, reference, note)], actor=actor))[0]


async def debit(
    uow: UnitOfWork,
    *,
    certno: str,
    amount: Decimal,
    reason: EntryReason,
    reference: str,
    actor: str,
    note: str | None = None,
) -> Posting:
    """支出: never more than the balance (422 ``insufficient_balance``, nothing changes)."""
    account = await lock_account(uow.session, certno)
    return await _post(
        uow,
        account,
        direction=Direction.debit,
        amount=amount,
        reason=reason,
        reference=reference,
        note=note,
        actor=actor,
    )


class BatchRefused(ProblemError):
    status = 422
    code = "credit_batch_refused"
    title = "批量划入有错误，未作任何划入"


async def post_credits(uow: UnitOfWork, *, lines: Sequence[CreditLine], actor: str) -> list[Posting]:
    """Bulk 划入 (e.g. the month's allocations): all lines or none; a line whose reference was posted before
    moves nothing again. Returns one posting per line, in the order given."""
    session = uow.session
    certnos = sorted({line.certno for line in lines})
    persons = {
        p.certno: p for p in (await session.scalars(select(InsuredPerson).where(InsuredPerson.certno.in_(certnos))))
    }
    errors = []
    for number, line in enumerate(lines, start=1):
        if line.reason not in CREDIT_REASONS:
            errors.append({"line": number, "certno": line.certno, "message": f"划入原因不能是 {line.reason}"})
        elif line.amount <= 0:
            errors.append({"line": number, "certno": line.certno, "message": "划入金额必须大于 0"})
        elif line.certno not in persons:
            errors.append({"line": number, "certno": line.certno, "message": "本统筹区没有该参保人员"})
    if errors:
        raise BatchRefused(f"共 {len(errors)} 行有错误，整批未划入，请更正后重新提交", errors=errors)
    accounts: dict[str, PersonalAccount] = {}
    for certno in certnos:  # in a fixed order: two batches never lock each other's accounts crosswise
        try:
            await open_account(session, persons[certno])
        except NoEmployeeEnrolment as exc:
            line_no = next(i for i, line in enumerate(lines, start=1) if line.certno == certno)
            raise BatchRefused(
                "有人员未参加职工基本医疗保险，整批未划入",
                errors=[{"line": line_no, "certno": certno, "message": exc.detail}],
            ) from exc
        accounts[certno] = await lock_account(session, certno)
    postings = []
    for line in lines:
        postings.append(
            await _post(
                uow,
                accounts[line.certno],
                direction=Direction.credit,
                amount=line.amount,
                reason=line.reason,
                reference=line.reference,
                note=line.note,
                actor=actor,
            )
        )
    return postings


async def account_of(session: AsyncSession, certno: str) -> tuple[PersonalAccount, InsuredPerson]:
    row = (
        await session.execute(
            select(PersonalAccount, InsuredPerson)
            .join(InsuredPerson, InsuredPerson.id == PersonalAccount.person_id)
            .where(PersonalAccount.certno == certno)
        )
    ).first()
    if row is None:
        raise AccountNotFound(f"身份证号为 {certno} 的人员没有个人账户")
    return row[0], row[1]


async def entries_of(session: AsyncSession, account_id: uuid.UUID, *, limit: int, offset: int) -> list[AccountEntry]:
    """The ledger, newest first."""
    query = (
        select(AccountEntry)
        .where(AccountEntry.account_id == account_id)
        .order_by(AccountEntry.entry_no.desc())
        .limit(limit)
        .offset(offset)
    )
    return list((await session.scalars(query)).all())
