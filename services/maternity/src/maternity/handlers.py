"""Consumers of other services' events.

Each handler runs inside the consumer's transaction (with the inbox row) and must not commit: the
consumer commits, then acks. A payload that does not parse raises, so the message is redelivered and,
after the queue's delivery limit, dead-lettered.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from maternity.coverage import service as coverage
from maternity.coverage.domain import EnrolmentStatus
from maternity.employers import service as employers
from maternity.events import (
    ArrearsBackpaid,
    ContributionRecorded,
    GapBackpaid,
    PersonChanged,
    PersonDeceased,
    PersonEnrolled,
    PersonResumed,
    PersonRetired,
    PersonStatusEvent,
    PersonSuspended,
    PersonTerminated,
    TransferInMerged,
    UnitRegistered,
)
from medins.bus.consumer import Handler
from medins.bus.envelope import Envelope


async def on_unit_registered(session: AsyncSession, envelope: Envelope) -> None:
    """registration.unit.registered.v1: record or refresh the employer (参保单位) in the read model."""
    event = UnitRegistered.model_validate(envelope.data)
    await employers.record_registered_unit(session, event=event)


# -- coverage (参保状态与缴费月数): queue maternity.coverage -------------------------------------------------


async def on_contribution_recorded(session: AsyncSession, envelope: Envelope) -> None:
    """registration.contribution.recorded.v1: up to 1,000 persons paid for one month, in two statements."""
    event = ContributionRecorded.model_validate(envelope.data)
    await coverage.record_contributions(
        session, insutype=event.insutype, month=event.month, persons=[(p.psn_no, p.certno) for p in event.persons]
    )


async def on_person_enrolled(session: AsyncSession, envelope: Envelope) -> None:
    event = PersonEnrolled.model_validate(envelope.data)
    await coverage.record_status(
        session,
        event_id=envelope.id,
        event_time=envelope.time,
        psn_no=event.psn_no,
        certno=event.certno,
        insutype=event.insutype,
        status=EnrolmentStatus.enrolled,
        effective_on=event.start_on,
    )


def _status_handler(model: type[PersonStatusEvent], status: EnrolmentStatus) -> Handler:
    async def handle(session: AsyncSession, envelope: Envelope) -> None:
        event = model.model_validate(envelope.data)
        await coverage.record_status(
            session,
            event_id=envelope.id,
            event_time=envelope.time,
            psn_no=event.psn_no,
            certno=event.certno,
            insutype=event.insutype,
            status=status,
            effective_on=event.effective_on,
            reason=getattr(event, "reason", None),
        )

    handle.__name__ = f"on_person_{status}"
    return handle


on_person_suspended = _status_handler(PersonSuspended, EnrolmentStatus.suspended)
on_person_terminated = _status_handler(PersonTerminated, EnrolmentStatus.terminated)
on_person_resumed = _status_handler(PersonResumed, EnrolmentStatus.enrolled)
on_person_retired = _status_handler(PersonRetired, EnrolmentStatus.retired)


async def on_person_deceased(session: AsyncSession, envelope: Envelope) -> None:
    event = PersonDeceased.model_validate(envelope.data)
    await coverage.record_death(session, psn_no=event.psn_no, certno=event.certno, died_on=event.died_on)


async def on_person_changed(session: AsyncSession, envelope: Envelope) -> None:
    """Only a changed 证件号码 matters here: the coverage is asked by it."""
    event = PersonChanged.model_validate(envelope.data)
    if event.former_certno is not None and event.former_certno != event.certno:
        await coverage.change_certno(session, psn_no=event.psn_no, certno=event.certno, changed_at=envelope.time)


async def on_gap_backpaid(session: AsyncSession, envelope: Envelope) -> None:
    event = GapBackpaid.model_validate(envelope.data)
    await coverage.record_backpaid_months(
        session, psn_no=event.psn_no, certno=event.certno, insutype=event.insutype, months=event.months
    )


async def on_arrears_backpaid(session: AsyncSession, envelope: Envelope) -> None:
    """An employee's 欠款补缴, or a unit's for each employee it names with their months; an older event without
    the 身份证号, or a unit's naming no one, is skipped."""
    event = ArrearsBackpaid.model_validate(envelope.data)
    paid_for = [(e.psn_no, e.certno, e.months, True) for e in event.employees] if event.kind == "unit" else []
    if event.kind == "employee" and event.psn_no is not None and event.certno is not None:
        paid_for.append((event.psn_no, event.certno, event.months, event.employer_uscc is not None))
    for psn_no, certno, months, unit_employee in paid_for:
        await coverage.record_arrears_months(
            session, psn_no=psn_no, certno=certno, months=months, unit_employee=unit_employee
        )


async def on_transfer_in_merged(session: AsyncSession, envelope: Envelope) -> None:
    """registration.transfer_in.merged.v1: the months a transfer brought in count here too (累计, and 连续 where
    they run on into the months paid here). An event without ``psn_no`` and ``periods`` (an older producer)
    counts nothing."""
    event = TransferInMerged.model_validate(envelope.data)
    if event.psn_no is None or not event.periods:
        return
    await coverage.record_transfer_in(
        session,
        psn_no=event.psn_no,
        certno=event.certno,
        letter_no=event.letter_no,
        merged_into=event.insutype,
        origin_region=event.origin_region,
        rows=[coverage.TransferRow(p.start_month, p.end_month, p.insutype, p.months, p.admdvs) for p in event.periods],
    )


COVERAGE_HANDLERS: dict[str, Handler] = {
    ContributionRecorded.event_type: on_contribution_recorded,
    PersonEnrolled.event_type: on_person_enrolled,
    PersonSuspended.event_type: on_person_suspended,
    PersonTerminated.event_type: on_person_terminated,
    PersonResumed.event_type: on_person_resumed,
    PersonRetired.event_type: on_person_retired,
    PersonDeceased.event_type: on_person_deceased,
    PersonChanged.event_type: on_person_changed,
    GapBackpaid.event_type: on_gap_backpaid,
    ArrearsBackpaid.event_type: on_arrears_backpaid,
    TransferInMerged.event_type: on_transfer_in_merged,
}
