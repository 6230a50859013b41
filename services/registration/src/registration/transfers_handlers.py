"""转移接续 in registration: the answers to the transfer service's saga (no service reads another's database).

- ``transfer.outbound.requested.v1`` (this region is the 转出地): the person is known, the name agrees, the
  enrolment is stopped (停保) and not transferred out already; then the whole personal-account balance is
  debited (reason ``transfer_out``, reference = the 联系函 number), the enrolment ends (终止参保, ``transfer_out``),
  and ``registration.transfer_out.prepared.v1`` carries the periods of 样表16 and the amount. Otherwise
  ``registration.transfer_out.refused.v1`` with a reason code, and nothing moves.
- ``transfer.inbound.matched.v1`` (this region is the 转入地): the periods brought in are recorded in the
  enrolment's history (``EnrolmentChange`` of kind ``transfer_in``) and the amount credited (reason
  ``transfer_in``, same reference); ``registration.transfer_in.merged.v1`` gives the cumulative months
  (参保信息查询 counts those periods as 转入, so the months continue).
- ``transfer.outbound.returned.v1`` (this region is the 转出地 and the 转入地 refused after the debit): the
  amount is credited back (返还, see ``transfer_returns``) and the enrolment restored as it was.

Each handler runs in the consumer's transaction with its inbox row, so a redelivered event changes nothing; the
ledger's references make a debit or credit once per letter in any case.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import Envelope
from medins.service_app import ConsumerSpec
from registration.accounts.domain import EntryReason
from registration.accounts.service import AccountNotFound, credit, debit, lock_account
from registration.contributions.domain import InsuType
from registration.contributions.service import insured_periods
from registration.events import (
    TransferInMatched,
    TransferInMerged,
    TransferInRefused,
    TransferOutPrepared,
    TransferOutRefused,
    TransferOutRequested,
    TransferOutReturned,
)
from registration.handler_uow import HandlerUnitOfWork
from registration.persons.domain import EnrolmentAction, EnrolmentStatus
from registration.persons.lifecycle import Locked, add_change, find_person, move
from registration.persons.models import Enrolment, InsuredPerson
from registration.transfer_periods import periods_of
from registration.transfer_returns import TRANSFER_OUT, on_transfer_out_returned, restorable

ACTOR = "transfer-saga"
EMPLOYEE, RESIDENT = "310", "390"
TRANSFER_IN = "transfer_in"
ZERO = Decimal("0.00")


async def _enrolment(session: AsyncSession, person: InsuredPerson) -> Enrolment | None:
    enrolments = list((await session.scalars(select(Enrolment).where(Enrolment.person_id == person.id))).all())
    by_type = {e.insutype: e for e in enrolments}
    return by_type.get(EMPLOYEE) or by_type.get(RESIDENT)


def _refusal(person: InsuredPerson | None, name: str, enrolment: Enrolment | None) -> tuple[str, str] | None:
    if person is None:
        return "unknown_person", "转出地查无此参保人员"
    if person.name != name:
        return "name_mismatch", f"联系函的姓名「{name}」与登记的姓名不一致"
    if person.died_on is not None:
        return "other", "参保人员已登记死亡"
    if enrolment is None:
        return "no_employee_enrolment", "参保人员在转出地没有基本医疗保险参保记录"
    if enrolment.status == EnrolmentStatus.terminated and enrolment.stop_reason == "transfer_out":
        return "already_transferred", "参保人员的医疗保险关系已转出"
    if enrolment.status == EnrolmentStatus.enrolled:
        return "not_suspended", "参保人员在转出地尚未办理停保手续"
    if enrolment.status == EnrolmentStatus.terminated:
        return "other", f"参保人员已终止参保（{enrolment.stop_reason or '其他'}），不能转出"
    return None


async def on_transfer_out_requested(session: AsyncSession, envelope: Envelope) -> None:
    event = TransferOutRequested.model_validate(envelope.data)
    uow = HandlerUnitOfWork(session, envelope)
    person = await find_person(uow, event.certno, for_update=True)
    enrolment = await _enrolment(session, person) if person is not None else None
    refusal = _refusal(person, event.name, enrolment)
    if refusal is not None:
        reason, detail = refusal
        uow.publish(
            TransferOutRefused(
                transfer_id=event.transfer_id,
                letter_no=event.letter_no,
                certno=event.certno,
                reason=reason,
                detail=detail,
                region=envelope.region,
            )
        )
        await uow.commit()
        return
    assert person is not None and enrolment is not None
    enrolment = await session.scalar(select(Enrolment).where(Enrolment.id == enrolment.id).with_for_update())
    assert enrolment is not None
    periods = await periods_of(session, person, enrolment, envelope.region)
    amount = ZERO
    if event.transfer_account:
        try:
            balance = (await lock_account(session, person.certno)).balance
        except AccountNotFound:
            balance = ZERO
        if balance > ZERO:
            posting = await debit(
                uow,
                certno=person.certno,
                amount=balance,
                reason=EntryReason.transfer_out,
                reference=event.letter_no,
                actor=ACTOR,
                note=f"转移接续转出至 {event.letter_no[:6]}（联系函 {event.letter_no}）",
            )
            amount = posting.entry.amount
    # what a 返还 restores if the 转入地 refuses the person after all (transfer_returns)
    add_change(
        uow,
        person=person,
        enrolment=enrolment,
        kind=TRANSFER_OUT,
        effective_on=date.today(),
        actor=ACTOR,
        case_no=event.letter_no,
        before=restorable(enrolment),
        after={
            "periods": [p.model_dump() for p in periods],
            "amount": f"{amount:.2f}",
            "destination_region": event.destination_region,
        },
        from_status=enrolment.status,
        reason=f"转移接续转出（联系函 {event.letter_no}）",
    )
    await move(
        uow,
        Locked(person, enrolment),
        EnrolmentAction.terminate,
        insutype=enrolment.insutype,
        effective_on=date.today(),
        actor=ACTOR,
        case_no=event.letter_no,
        reason="transfer_out",
    )
    uow.publish(
        TransferOutPrepared(
            transfer_id=event.transfer_id,
            letter_no=event.letter_no,
            certno=person.certno,
            name=person.name,
            sex=person.sex,
            insutype=enrolment.insutype,
            periods=periods,
            amount_debited=amount,
            region=envelope.region,
        )
    )
    await uow.commit()


async def on_transfer_in_matched(session: AsyncSession, envelope: Envelope) -> None:
    event = TransferInMatched.model_validate(envelope.data)
    uow = HandlerUnitOfWork(session, envelope)
    person = await find_person(uow, event.certno, for_update=True)
    enrolment = await _enrolment(session, person) if person is not None else None
    if person is None or enrolment is None or enrolment.status != EnrolmentStatus.enrolled:
        uow.publish(
            TransferInRefused(
                transfer_id=event.transfer_id,
                letter_no=event.letter_no,
                certno=event.certno,
                reason="not_enrolled_at_destination",
                detail="参保人员未在转入地正常参保，不能接续",
                region=envelope.region,
            )
        )
        await uow.commit()
        return
    if event.amount > ZERO and enrolment.insutype != EMPLOYEE:
        uow.publish(
            TransferInRefused(
                transfer_id=event.transfer_id,
                letter_no=event.letter_no,
                certno=event.certno,
                reason="no_employee_enrolment",
                detail="参保人员在转入地未参加职工基本医疗保险，个人账户资金无法划入",
                region=envelope.region,
            )
        )
        await uow.commit()
        return
    periods: list[dict[str, Any]] = [p.model_dump() for p in event.periods]
    add_change(
        uow,
        person=person,
        enrolment=enrolment,
        kind=TRANSFER_IN,
        effective_on=date.today(),
        actor=ACTOR,
        case_no=event.letter_no,
        after={"periods": periods, "origin_region": event.origin_region, "amount": f"{event.amount:.2f}"},
        from_status=enrolment.status,
        reason=f"转移接续转入（联系函 {event.letter_no}）",
    )
    if event.amount > ZERO:
        await credit(
            uow,
            certno=person.certno,
            amount=event.amount,
            reason=EntryReason.transfer_in,
            reference=event.letter_no,
            actor=ACTOR,
            note=f"转移接续自 {event.origin_region} 转入（联系函 {event.letter_no}）",
        )
    await session.flush()
    # 累计缴费月数 as 参保信息查询 shows it: the months brought in by every transfer + the months paid here
    counts = await insured_periods(
        session, certno=person.certno, as_of=date.today(), insutype=InsuType(enrolment.insutype)
    )
    cumulative = counts.insurances[0].cumulative_months if counts.insurances else 0
    uow.publish(
        TransferInMerged(
            transfer_id=event.transfer_id,
            letter_no=event.letter_no,
            certno=person.certno,
            amount_credited=event.amount,
            cumulative_months=cumulative,
            region=envelope.region,
            psn_no=person.psn_no,
            insutype=enrolment.insutype,
            origin_region=event.origin_region,
            periods=list(event.periods),
        )
    )
    await uow.commit()


TRANSFER_CONSUMER = ConsumerSpec(
    purpose="transfers",
    handlers={
        TransferOutRequested.event_type: on_transfer_out_requested,
        TransferInMatched.event_type: on_transfer_in_matched,
        TransferOutReturned.event_type: on_transfer_out_returned,
    },
)
