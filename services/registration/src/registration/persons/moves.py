"""Moves that reach beyond one enrolment: the persons at a unit, a person's unit changing (合并、拆分、分立,
管理责任单位变更), and a death, which ends every enrolment of the person."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select

from medins.db import UnitOfWork
from registration.events import PersonDeceased, PersonEmployerChanged
from registration.persons.domain import EnrolmentAction, EnrolmentStatus
from registration.persons.lifecycle import Locked, add_change, event_of, snapshot
from registration.persons.models import Enrolment, InsuredPerson
from registration.units.models import Employer


async def lock_enrolments_at(
    uow: UnitOfWork,
    employer_ids: list[uuid.UUID],
    *,
    statuses: tuple[str, ...],
    personnel_type: str | None = None,
    cause: str | None = None,
) -> list[Locked]:
    """The enrolments at these units in ``statuses`` (and of ``personnel_type``, suspended for ``cause``), locked."""
    query = (
        select(InsuredPerson, Enrolment)
        .join(Enrolment, Enrolment.person_id == InsuredPerson.id)
        .where(Enrolment.employer_id.in_(employer_ids), Enrolment.status.in_(statuses))
        .order_by(InsuredPerson.psn_no)
        .with_for_update()
    )
    if personnel_type is not None:
        query = query.where(Enrolment.personnel_type == personnel_type)
    if cause is not None:
        query = query.where(Enrolment.suspension_cause == cause)
    return [Locked(person, enrolment) for person, enrolment in (await uow.session.execute(query)).all()]


async def change_employer(
    uow: UnitOfWork,
    locked: Locked,
    employer: Employer,
    *,
    reason: str,
    effective_on: date,
    actor: str,
    case_no: str,
) -> None:
    """The person's unit (for a retiree, the 医保管理责任单位) becomes ``employer``; history and event."""
    enrolment = locked.enrolment
    assert enrolment is not None
    before = snapshot(enrolment)
    former = None
    if enrolment.employer_id is not None:
        former = await uow.session.scalar(select(Employer.uscc).where(Employer.id == enrolment.employer_id))
    enrolment.employer_id = employer.id
    enrolment.flexible_worker = False
    add_change(
        uow,
        person=locked.person,
        enrolment=enrolment,
        kind="employer_changed",
        effective_on=effective_on,
        actor=actor,
        case_no=case_no,
        before=before,
        after=snapshot(enrolment),
        from_status=enrolment.status,
        reason=reason,
    )
    uow.publish(
        PersonEmployerChanged(
            person_id=locked.person.id,
            psn_no=locked.person.psn_no,
            certno=locked.person.certno,
            name=locked.person.name,
            insutype=enrolment.insutype,
            employer_uscc=employer.uscc,
            former_employer_uscc=former,
            reason=reason,
            effective_on=effective_on,
            region=uow.region,
        )
    )


async def record_death(
    uow: UnitOfWork,
    locked: Locked,
    died_on: date,
    *,
    actor: str,
    case_no: str,
    overpaid_account_amount: Any = None,
) -> None:
    """死亡: the date on the person, every other open enrolment of theirs terminated, and the event that
    tells the account ledger (扣回多划个人账户金额) and the other services."""
    person = locked.person
    person.died_on = died_on
    query = select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.status != EnrolmentStatus.terminated)
    if locked.enrolment is not None:
        query = query.where(Enrolment.id != locked.enrolment.id)
    others = (await uow.session.scalars(query.with_for_update())).all()
    for enrolment in others:
        before = snapshot(enrolment)
        from_status = enrolment.status
        enrolment.status = str(EnrolmentStatus.terminated)
        enrolment.stopped_on = died_on
        enrolment.stop_reason = "death"
        enrolment.suspension_cause = None
        add_change(
            uow,
            person=person,
            enrolment=enrolment,
            kind="terminate",
            effective_on=died_on,
            actor=actor,
            case_no=case_no,
            before=before,
            after=snapshot(enrolment),
            from_status=from_status,
            reason="death",
        )
        uow.publish(await event_of(uow, person, enrolment, EnrolmentAction.terminate, died_on, "death", None, None))
    uow.publish(
        PersonDeceased(
            person_id=person.id,
            psn_no=person.psn_no,
            certno=person.certno,
            name=person.name,
            died_on=died_on,
            overpaid_account_amount=str(overpaid_account_amount) if overpaid_account_amount is not None else None,
            region=uow.region,
        )
    )
