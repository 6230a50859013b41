"""Moving an enrolment (参保异动) inside the caller's transaction: the row, its history and its event together.

Every 减少, 恢复, 退休, 终止 of a 职工 or 城乡居民 goes through ``move``: it locks nothing itself (the caller
locked the enrolment with ``lock_enrolment``), checks the move with the domain's state machine, writes the
enrolment, appends an ``EnrolmentChange`` row and records the integration event in the outbox.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from medins.db import UnitOfWork
from medins.errors import NotFound
from medins.ids import mask_certno
from registration.events import (
    PersonEnrolled,
    PersonResumed,
    PersonRetired,
    PersonSuspended,
    PersonTerminated,
)
from registration.persons.domain import (
    EnrolmentAction,
    EnrolmentState,
    EnrolmentStatus,
    PersonAlreadyDeceased,
    PersonAlreadyEnrolled,
    PersonnelType,
    next_state,
)
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson
from registration.units.models import Employer


class PersonNotFound(NotFound):
    code = "person_not_found"
    title = "未找到参保人员"


@dataclass
class Locked:
    """A person and their enrolment in one scheme (None when they never enrolled), locked for update."""

    person: InsuredPerson
    enrolment: Enrolment | None

    @property
    def who(self) -> str:
        return f"{self.person.name}（{mask_certno(self.person.certno)}）"

    @property
    def held(self) -> Enrolment:
        """The enrolment, when the caller knows there is one."""
        assert self.enrolment is not None
        return self.enrolment

    @property
    def state(self) -> EnrolmentState | None:
        if self.enrolment is None:
            return None
        return EnrolmentState(EnrolmentStatus(self.enrolment.status), PersonnelType(self.enrolment.personnel_type))


async def find_person(uow: UnitOfWork, certno: str, *, for_update: bool = False) -> InsuredPerson | None:
    query = select(InsuredPerson).where(InsuredPerson.certno == certno)
    if for_update:
        query = query.with_for_update()
    return (await uow.session.scalars(query)).first()


async def lock_enrolment(uow: UnitOfWork, certno: str, insutype: str, *, required: bool = True) -> Locked | None:
    """The person (by 证件号码) and their enrolment in ``insutype``, both locked; 404 if no such person."""
    person = await find_person(uow, certno, for_update=True)
    if person is None:
        if required:
            raise PersonNotFound(f"本统筹区没有证件号码为 {mask_certno(certno)} 的参保人员")
        return None
    enrolment = (
        await uow.session.scalars(
            select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.insutype == insutype).with_for_update()
        )
    ).first()
    return Locked(person, enrolment)


def check_alive(locked: Locked) -> None:
    if locked.person.died_on is not None:
        raise PersonAlreadyDeceased(f"{locked.who}已于{locked.person.died_on}登记死亡，不能办理此业务")


def snapshot(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "status": enrolment.status,
        "personnel_type": enrolment.personnel_type,
        "employer_id": str(enrolment.employer_id) if enrolment.employer_id else None,
        "contribution_base": str(enrolment.contribution_base) if enrolment.contribution_base is not None else None,
    }


def add_change(
    uow: UnitOfWork,
    *,
    person: InsuredPerson,
    enrolment: Enrolment | None,
    kind: str,
    effective_on: date,
    actor: str,
    case_no: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    from_status: str | None = None,
    reason: str | None = None,
) -> None:
    uow.session.add(
        EnrolmentChange(
            enrolment_id=enrolment.id if enrolment else None,
            person_id=person.id,
            insutype=enrolment.insutype if enrolment else None,
            kind=kind,
            from_status=from_status,
            to_status=enrolment.status if enrolment else None,
            effective_on=effective_on,
            reason=reason,
            before=before,
            after=after,
            employer_id=enrolment.employer_id if enrolment else None,
            case_no=case_no,
            changed_by=actor,
            changed_at=datetime.now(UTC),
        )
    )


async def move(
    uow: UnitOfWork,
    locked: Locked,
    action: EnrolmentAction,
    *,
    insutype: str,
    effective_on: date,
    actor: str,
    case_no: str,
    employer: Employer | None = None,
    reason: str | None = None,
    cause: str | None = None,
    flexible_worker: bool | None = None,
    declared_monthly_wage: Any = None,
    detail: dict[str, Any] | None = None,
    retirement: dict[str, Any] | None = None,
) -> Enrolment:
    """Apply ``action`` to the locked enrolment (creating it on a first 新增) and publish its event.

    ``employer`` is the unit the person is (again) enrolled at for 新增 and 恢复; ``reason`` the
    termination reason; ``cause`` why a suspension happened (``unit_suspended`` when the unit's own
    暂停 suspended the person).
    """
    check_alive(locked)
    target = next_state(locked.state, action, who=locked.who)
    person, enrolment = locked.person, locked.enrolment
    before = snapshot(enrolment) if enrolment else None
    from_status = enrolment.status if enrolment else None
    now = datetime.now(UTC)
    if enrolment is None:
        enrolment = Enrolment(
            id=uuid.uuid4(),
            person_id=person.id,
            insutype=insutype,
            status=str(target.status),
            personnel_type=str(target.personnel_type),
            employer_id=employer.id if employer else None,
            flexible_worker=bool(flexible_worker),
            declared_monthly_wage=declared_monthly_wage,
            contribution_base=declared_monthly_wage,
            start_month=f"{effective_on:%Y-%m}",
            start_on=effective_on,
            case_no=case_no,
            created_at=now,
            detail=detail,
        )
        try:
            async with uow.session.begin_nested():  # it flushes what is pending first; the insert is inside
                uow.session.add(enrolment)
                await uow.session.flush()  # the change row refers to it
        except IntegrityError as exc:
            # a concurrent case enrolled the same person in the same scheme first
            raise PersonAlreadyEnrolled(f"{locked.who}已参加该险种，不能重复登记") from exc
        locked.enrolment = enrolment
    else:
        enrolment.status = str(target.status)
        enrolment.personnel_type = str(target.personnel_type)
        if action in (EnrolmentAction.enrol, EnrolmentAction.resume):
            enrolment.stopped_on = None
            enrolment.stop_reason = None
            enrolment.suspension_cause = None
            if employer is not None or flexible_worker:
                enrolment.employer_id = employer.id if employer else None
            if flexible_worker is not None:
                enrolment.flexible_worker = flexible_worker
        if action is EnrolmentAction.enrol:
            # 重新参保: a new period starts; the declared wage of this 新增 is the new base
            enrolment.start_month = f"{effective_on:%Y-%m}"
            enrolment.start_on = effective_on
            enrolment.case_no = case_no
            if declared_monthly_wage is not None:
                enrolment.declared_monthly_wage = declared_monthly_wage
                enrolment.contribution_base = declared_monthly_wage
            if detail is not None:
                enrolment.detail = detail
        if action in (EnrolmentAction.suspend, EnrolmentAction.terminate):
            enrolment.stopped_on = effective_on
            enrolment.stop_reason = reason or "suspended"
            enrolment.suspension_cause = cause if action is EnrolmentAction.suspend else None
    add_change(
        uow,
        person=person,
        enrolment=enrolment,
        kind=str(action),
        effective_on=effective_on,
        actor=actor,
        case_no=case_no,
        before=before,
        after=snapshot(enrolment) | ({"retirement": retirement} if retirement else {}),
        from_status=from_status,
        reason=reason or cause,
    )
    uow.publish(await event_of(uow, person, enrolment, action, effective_on, reason, cause, retirement))
    return enrolment


async def event_of(
    uow: UnitOfWork,
    person: InsuredPerson,
    enrolment: Enrolment,
    action: EnrolmentAction,
    effective_on: date,
    reason: str | None,
    cause: str | None,
    retirement: dict[str, Any] | None,
) -> Any:
    uscc = None
    if enrolment.employer_id is not None:
        uscc = await uow.session.scalar(select(Employer.uscc).where(Employer.id == enrolment.employer_id))
    common: dict[str, Any] = dict(
        person_id=person.id,
        psn_no=person.psn_no,
        certno=person.certno,
        name=person.name,
        insutype=enrolment.insutype,
        region=uow.region,
    )
    if action is EnrolmentAction.enrol:
        return PersonEnrolled(
            **common, employer_uscc=uscc, flexible_worker=enrolment.flexible_worker, start_on=effective_on
        )
    common |= {"employer_uscc": uscc, "effective_on": effective_on}
    if action is EnrolmentAction.suspend:
        return PersonSuspended(**common, cause=cause or "reported")
    if action is EnrolmentAction.terminate:
        return PersonTerminated(**common, reason=reason or "other")
    if action is EnrolmentAction.resume:
        return PersonResumed(**common)
    assert retirement is not None
    return PersonRetired(
        **common,
        retirement_type=retirement["retirement_type"],
        deemed_months=retirement["deemed_months"],
        actual_months=retirement["actual_months"],
        cumulative_months=retirement["cumulative_months"],
    )
