"""Consumers of registration's person and account events: the transfer service's read model."""

from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.envelope import Envelope
from transfer.events import (
    AccountCredited,
    AccountDebited,
    ContributionRecorded,
    GapBackpaid,
    PersonEnrolled,
    PersonResumed,
    PersonSuspended,
    PersonTerminated,
)
from transfer.persons.service import record_balance, record_enrolment, record_months


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


async def on_contribution_recorded(session: AsyncSession, envelope: Envelope) -> None:
    event = ContributionRecorded.model_validate(envelope.data)
    await record_months(session, rows=[(p.certno, event.insutype, event.month[:7]) for p in event.persons])


async def on_gap_backpaid(session: AsyncSession, envelope: Envelope) -> None:
    event = GapBackpaid.model_validate(envelope.data)
    await record_months(session, rows=[(event.certno, event.insutype, m[:7]) for m in event.months])


HANDLERS = {
    PersonEnrolled.event_type: on_person_enrolled,
    PersonSuspended.event_type: on_person_suspended,
    PersonTerminated.event_type: on_person_terminated,
    PersonResumed.event_type: on_person_resumed,
    AccountCredited.event_type: on_account_moved,
    AccountDebited.event_type: on_account_moved,
    ContributionRecorded.event_type: on_contribution_recorded,
    GapBackpaid.event_type: on_gap_backpaid,
}
