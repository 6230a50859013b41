"""返还: the 转入地 refused a person after this region (the 转出地) debited the account and ended the enrolment.

The transfer service receives the 转入地's signed refusal and publishes ``transfer.outbound.returned.v1``;
here the amount debited is credited back (reason ``transfer_return``, reference ``<联系函编号>-R``, so a
redelivered or republished event credits once) and the enrolment is put back as the ``transfer_out`` change
recorded it before the transfer: status (停保 as a rule), 停保时间, reason and cause. The history keeps both
changes (``transfer_out`` and ``transfer_out_returned``). If the person has enrolled again since, the enrolment
is left as it is and only the money comes back.
"""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import Envelope
from registration.accounts.domain import EntryReason
from registration.accounts.service import credit
from registration.events import TransferOutReturned, TransferOutReverted
from registration.handler_uow import HandlerUnitOfWork
from registration.persons.domain import EnrolmentStatus
from registration.persons.lifecycle import add_change, find_person
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson

ACTOR = "transfer-saga"
TRANSFER_OUT = "transfer_out"
RETURNED = "transfer_out_returned"


class TransferOutNotFound(LookupError):
    """No transfer out under this letter here: the event goes to the dead-letter queue for staff."""


def restorable(enrolment: Enrolment) -> dict[str, Any]:
    """The enrolment's state a 返还 puts back."""
    return {
        "status": enrolment.status,
        "personnel_type": enrolment.personnel_type,
        "stopped_on": str(enrolment.stopped_on) if enrolment.stopped_on else None,
        "stop_reason": enrolment.stop_reason,
        "suspension_cause": enrolment.suspension_cause,
    }


def return_reference(letter_no: str) -> str:
    """The ledger reference of the 返还 (the debit's is the letter number itself)."""
    return f"{letter_no}-R"


async def _transfer_out(session: AsyncSession, person: InsuredPerson, letter_no: str) -> EnrolmentChange | None:
    return await session.scalar(
        select(EnrolmentChange)
        .where(
            EnrolmentChange.person_id == person.id,
            EnrolmentChange.kind == TRANSFER_OUT,
            EnrolmentChange.case_no == letter_no,
        )
        .order_by(EnrolmentChange.id.desc())
        .limit(1)
    )


async def on_transfer_out_returned(session: AsyncSession, envelope: Envelope) -> None:
    event = TransferOutReturned.model_validate(envelope.data)
    uow = HandlerUnitOfWork(session, envelope)
    person = await find_person(uow, event.certno, for_update=True)
    change = await _transfer_out(session, person, event.letter_no) if person is not None else None
    if person is None or change is None or change.enrolment_id is None:
        raise TransferOutNotFound(f"no transfer out under letter {event.letter_no} for this person")
    enrolment = await session.scalar(select(Enrolment).where(Enrolment.id == change.enrolment_id).with_for_update())
    assert enrolment is not None
    if event.amount > 0:
        await credit(
            uow,
            certno=person.certno,
            amount=event.amount,
            reason=EntryReason.transfer_return,
            reference=return_reference(event.letter_no),
            actor=ACTOR,
            note=f"转入地不予接续，转出资金返还（联系函 {event.letter_no}）",
        )
    already = await session.scalar(
        select(EnrolmentChange.id).where(
            EnrolmentChange.enrolment_id == enrolment.id,
            EnrolmentChange.kind == RETURNED,
            EnrolmentChange.case_no == event.letter_no,
        )
    )
    ended_by_it = enrolment.status == EnrolmentStatus.terminated and enrolment.stop_reason == TRANSFER_OUT
    restored = already is None and ended_by_it
    if restored:
        before = change.before or {}
        from_status = enrolment.status
        enrolment.status = before.get("status") or str(EnrolmentStatus.suspended)
        enrolment.personnel_type = before.get("personnel_type") or enrolment.personnel_type
        stopped = before.get("stopped_on")
        enrolment.stopped_on = date.fromisoformat(stopped) if stopped else None
        enrolment.stop_reason = before.get("stop_reason")
        enrolment.suspension_cause = before.get("suspension_cause")
        add_change(
            uow,
            person=person,
            enrolment=enrolment,
            kind=RETURNED,
            effective_on=date.today(),
            actor=ACTOR,
            case_no=event.letter_no,
            before={"status": from_status, "stop_reason": TRANSFER_OUT},
            after=restorable(enrolment) | {"amount": f"{event.amount:.2f}", "reason": event.reason},
            from_status=from_status,
            reason=f"转入地不予接续，恢复转出前的参保状态（{event.detail}）",
        )
    uow.publish(
        TransferOutReverted(
            transfer_id=event.transfer_id,
            letter_no=event.letter_no,
            certno=person.certno,
            psn_no=person.psn_no,
            name=person.name,
            insutype=enrolment.insutype,
            amount_credited=event.amount,
            restored=restored or already is not None,
            status=enrolment.status,
            stopped_on=enrolment.stopped_on,
            stop_reason=enrolment.stop_reason,
            region=envelope.region,
        )
    )
    await uow.commit()
