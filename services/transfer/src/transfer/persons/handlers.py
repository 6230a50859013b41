"""Consumers of registration's person and account events: the transfer service's read model."""

from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import Envelope
from transfer.events import (
    AccountCredited,
    AccountDebited,
    PersonEnrolled,
    PersonResumed,
    PersonSuspended,
    PersonTerminated,
)
from transfer.persons.service import record_balance, record_enrolment


async def on_person_enrolled(session: AsyncSession, envelope: Envelope) -> None:
    event = PersonEnrolled.model_validate(envelope.data)
    await record_enrolment(
        session,
        certno=event.certno,
        insutype=event.insutype,
        psn_no=event.psn_no,
        name=event.name,
        status="enrolled",
        as_of=envelope.time,
        start_on=event.start_on,
    )


async def on_person_suspended(session: AsyncSession, envelope: Envelope) -> None:
    event = PersonSuspended.model_validate(envelope.data)
    await record_enrolment(
        session,
        certno=event.certno,
        insutype=event.insutype,
        psn_no=event.psn_no,
        name=event.name,
        status="suspended",
        as_of=envelope.time,
        stopped_on=event.effective_on,
        stop_reason="suspended",
    )


async def on_person_terminated(session: AsyncSession, envelope: Envelope) -> None:
    event = PersonTerminated.model_validate(envelope.data)
    await record_enrolment(
        session,
        certno=event.certno,
        insutype=event.insutype,
        psn_no=event.psn_no,
        name=event.name,
        status="terminated",
        as_of=envelope.time,
        stopped_on=event.effective_on,
        stop_reason=event.reason,
    )


async def on_person_resumed(session: AsyncSession, envelope: Envelope) -> None:
    event = PersonResumed.model_validate(envelope.data)
    await record_enrolment(
        session,
        certno=event.certno,
        insutype=event.insutype,
        psn_no=event.psn_no,
        name=event.name,
        status="enrolled",
        as_of=envelope.time,
    )


async def on_account_moved(session: AsyncSession, envelope: Envelope) -> None:
    model = AccountCredited if envelope.type == AccountCredited.event_type else AccountDebited
    event = model.model_validate(envelope.data)
    await record_balance(
        session, certno=event.certno, balance=event.balance_after, entry_no=event.entry_no, at=event.occurred_at
    )


HANDLERS = {
    PersonEnrolled.event_type: on_person_enrolled,
    PersonSuspended.event_type: on_person_suspended,
    PersonTerminated.event_type: on_person_terminated,
    PersonResumed.event_type: on_person_resumed,
    AccountCredited.event_type: on_account_moved,
    AccountDebited.event_type: on_account_moved,
}
