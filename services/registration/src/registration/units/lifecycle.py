"""What happens when a unit's case completes: 暂停, 恢复, 注销, 信息变更, 拆分合并分立 (with their audit and events)."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError

from medins.cases.service import china_today
from medins.db import UnitOfWork
from medins.errors import NotFound, ProblemError
from medins.ids import mask_certno
from registration.casework import form_of
from registration.events import UnitCancelled, UnitChanged, UnitRestructured, UnitResumed, UnitSuspended
from registration.persons.domain import EnrolmentAction, EnrolmentStatus, PersonnelType
from registration.persons.lifecycle import move
from registration.persons.models import Enrolment
from registration.persons.moves import change_employer, lock_enrolments_at
from registration.units.domain import (
    CHANGEABLE_FIELDS,
    RESTRUCTURE_ZH,
    RestructureInvalid,
    RestructureKind,
    UnitAction,
    UnitAlreadyRegistered,
    UnitHasInsuredPersons,
    UnitStatus,
    UnitStatusConflict,
    changed_fields,
    next_unit_status,
    predecessors_dissolve,
)
from registration.units.forms import UnitChangeForm, UnitRestructureForm, UnitStatusForm
from registration.units.models import Employer, UnitChange, UnitLink

UNIT_SUSPENDED = "unit_suspended"


class UnitNotFound(NotFound):
    code = "unit_not_found"
    title = "未找到该参保单位"


async def lock_unit(uow: UnitOfWork, uscc: str) -> Employer:
    employer = (await uow.session.scalars(select(Employer).where(Employer.uscc == uscc).with_for_update())).first()
    if employer is None:
        raise UnitNotFound(f"统一社会信用代码 {uscc} 的单位未在本统筹区参保登记")
    return employer


def unit_snapshot(employer: Employer) -> dict[str, Any]:
    values = {field: getattr(employer, field) for field in CHANGEABLE_FIELDS}
    return values | {"insured_products": list(employer.insured_products), "status": employer.status}


def record(
    uow: UnitOfWork,
    employer: Employer,
    *,
    kind: str,
    before: dict[str, Any],
    after: dict[str, Any],
    effective_on: date,
    case: RowMapping,
    reason: str | None = None,
) -> None:
    uow.session.add(
        UnitChange(
            employer_id=employer.id,
            kind=kind,
            before=before,
            after=after,
            reason=reason,
            effective_on=effective_on,
            case_no=case["case_no"],
            changed_by=case["submitted_by"],
            changed_at=datetime.now(UTC),
        )
    )


async def insured_counts(uow: UnitOfWork, employer_id: uuid.UUID) -> dict[tuple[str, str], int]:
    """(status, personnel_type) → number of enrolments at the unit."""
    rows = await uow.session.execute(
        select(Enrolment.status, Enrolment.personnel_type, func.count())
        .where(Enrolment.employer_id == employer_id)
        .group_by(Enrolment.status, Enrolment.personnel_type)
    )
    return {(status, kind): n for status, kind, n in rows.all()}


async def complete_unit_status(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """暂停登记 / 暂停后恢复 / 注销登记. A unit's 暂停 suspends its in-service employees with it, and its 恢复
    resumes those (and only those); 注销 needs no one left enrolled at the unit."""
    action = {"unit_suspend": UnitAction.suspend, "unit_resume": UnitAction.resume, "unit_cancel": UnitAction.cancel}[
        case["form"]["operation"]
    ]
    form = form_of(case, UnitStatusForm)
    employer = await lock_unit(uow, form.uscc)
    target = next_unit_status(UnitStatus(employer.status), action, name=employer.name)
    on = form.effective_on or china_today()
    before = unit_snapshot(employer)
    persons = 0
    common = {"actor": case["submitted_by"], "case_no": case["case_no"], "effective_on": on}
    if action is UnitAction.suspend:
        for locked in await lock_enrolments_at(
            uow, [employer.id], statuses=(EnrolmentStatus.enrolled,), personnel_type=PersonnelType.in_service
        ):
            await move(
                uow, locked, EnrolmentAction.suspend, insutype=locked.held.insutype, cause=UNIT_SUSPENDED, **common
            )
            persons += 1
        employer.suspended_on = on
        uow.publish(
            UnitSuspended(
                unit_id=employer.id,
                uscc=employer.uscc,
                name=employer.name,
                effective_on=on,
                reason=form.reason,
                region=uow.region,
            )
        )
    elif action is UnitAction.resume:
        for locked in await lock_enrolments_at(
            uow, [employer.id], statuses=(EnrolmentStatus.suspended,), cause=UNIT_SUSPENDED
        ):
            await move(uow, locked, EnrolmentAction.resume, insutype=locked.held.insutype, employer=employer, **common)
            persons += 1
        employer.suspended_on = None
        uow.publish(
            UnitResumed(unit_id=employer.id, uscc=employer.uscc, name=employer.name, effective_on=on, region=uow.region)
        )
    else:
        counts = await insured_counts(uow, employer.id)
        working = counts.get((EnrolmentStatus.enrolled, PersonnelType.in_service), 0)
        retirees = counts.get((EnrolmentStatus.enrolled, PersonnelType.retired), 0)
        if working or retirees:
            raise UnitHasInsuredPersons(
                f"{employer.name}尚有正常参保的在职职工{working}人、退休人员{retirees}人；"
                "请先办理职工减少登记，退休人员办理医保管理责任单位变更"
            )
        employer.cancelled_on = on
        employer.cancel_reason = "cancelled"
        uow.publish(
            UnitCancelled(
                unit_id=employer.id,
                uscc=employer.uscc,
                name=employer.name,
                reason="cancelled",
                successor_usccs=[],
                effective_on=on,
                region=uow.region,
            )
        )
    employer.status = str(target)
    record(
        uow,
        employer,
        kind=str(action),
        before=before,
        after=unit_snapshot(employer),
        effective_on=on,
        case=case,
        reason=form.reason,
    )
    await uow.session.flush()
    return {
        "uscc": employer.uscc,
        "unit_code": employer.unit_code,
        "status": employer.status,
        "persons_affected": persons,
        "effective_on": str(on),
    }


class NothingChanged(ProblemError):
    status = 422
    code = "nothing_changed"
    title = "变更事项与原登记事项相同"


async def complete_unit_change(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """单位参保信息变更登记 (样表7): the fields that change, each kept with its value before and after."""
    form = form_of(case, UnitChangeForm)
    employer = await lock_unit(uow, form.uscc)
    next_unit_status(UnitStatus(employer.status), UnitAction.change, name=employer.name)
    requested = form.changes.model_dump(mode="json", exclude_none=True)
    current = unit_snapshot(employer)
    changes = changed_fields(current, requested)
    if not changes:
        raise NothingChanged("所填变更事项与原登记事项一致，无需变更")
    if "uscc" in changes:
        taken = await uow.session.scalar(select(Employer.id).where(Employer.uscc == requested["uscc"]))
        if taken is not None:
            raise UnitAlreadyRegistered(f"统一社会信用代码 {requested['uscc']} 已被其他参保单位使用")
        employer.former_uscc = employer.uscc
    try:
        async with uow.session.begin_nested():  # it flushes what is pending first; the change is inside
            for field, change in changes.items():
                setattr(employer, field, change["after"])
            await uow.session.flush()
    except IntegrityError as exc:
        raise UnitAlreadyRegistered(f"统一社会信用代码 {requested.get('uscc')} 已被其他参保单位使用") from exc
    on = china_today()
    before = {field: change["before"] for field, change in changes.items()}
    after = {field: change["after"] for field, change in changes.items()}
    record(uow, employer, kind="change", before=before, after=after, effective_on=on, case=case, reason=form.remarks)
    uow.publish(
        UnitChanged(
            unit_id=employer.id,
            unit_code=employer.unit_code,
            uscc=employer.uscc,
            former_uscc=employer.former_uscc,
            name=employer.name,
            changes=changes,
            effective_on=on,
            region=uow.region,
        )
    )
    return {"uscc": employer.uscc, "unit_code": employer.unit_code, "changes": changes}


async def complete_unit_restructure(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """拆分 / 合并 / 分立: links each predecessor to each successor, moves the persons (with their history and
    events), and ends the predecessors of a 拆分 or 合并."""
    form = form_of(case, UnitRestructureForm)
    label = RESTRUCTURE_ZH[form.kind]
    on = form.effective_on or china_today()
    predecessors = [await lock_unit(uow, uscc) for uscc in form.predecessors]
    successors = {uscc: await lock_unit(uow, uscc) for uscc in form.successors}
    for unit in predecessors:
        if unit.status == UnitStatus.cancelled:
            raise UnitStatusConflict(f"原单位{unit.name}已注销，不能办理{label}")
    for unit in successors.values():
        if unit.status != UnitStatus.active:
            raise UnitStatusConflict(f"新单位{unit.name}须先参保登记且正常参保，才能办理{label}")
    persons = await lock_enrolments_at(
        uow, [u.id for u in predecessors], statuses=(EnrolmentStatus.enrolled, EnrolmentStatus.suspended)
    )
    listed = {t.certno: t.to_uscc for t in form.transfers}
    by_certno = {p.person.certno: p for p in persons}
    strangers = sorted(mask_certno(c) for c in listed if c not in by_certno)
    if strangers:
        raise RestructureInvalid(f"以下人员不是原单位的参保人员：{'、'.join(strangers)}")
    if form.kind is RestructureKind.split_up:
        unplaced = [p.who for p in persons if p.person.certno not in listed]
        if unplaced:
            raise RestructureInvalid(f"拆分登记须列明每位人员的去向，以下人员未列明：{'、'.join(unplaced)}")
    moved = 0
    for locked in persons:
        destination = listed.get(locked.person.certno)
        if destination is None and form.kind is RestructureKind.merge:
            destination = form.successors[0]
        if destination is None:
            continue
        await change_employer(
            uow,
            locked,
            successors[destination],
            reason=str(form.kind),
            effective_on=on,
            actor=case["submitted_by"],
            case_no=case["case_no"],
        )
        moved += 1
    now = datetime.now(UTC)
    for unit in predecessors:
        for successor in successors.values():
            uow.session.add(
                UnitLink(
                    kind=str(form.kind),
                    predecessor_id=unit.id,
                    successor_id=successor.id,
                    effective_on=on,
                    case_no=case["case_no"],
                    created_at=now,
                )
            )
        before = unit_snapshot(unit)
        if predecessors_dissolve(form.kind):
            reason = "merged" if form.kind is RestructureKind.merge else "split"
            unit.status = str(UnitStatus.cancelled)
            unit.cancelled_on = on
            unit.cancel_reason = reason
            uow.publish(
                UnitCancelled(
                    unit_id=unit.id,
                    uscc=unit.uscc,
                    name=unit.name,
                    reason=reason,
                    successor_usccs=list(successors),
                    effective_on=on,
                    region=uow.region,
                )
            )
        after = unit_snapshot(unit) | {"successors": list(successors)}
        record(
            uow, unit, kind=str(form.kind), before=before, after=after, effective_on=on, case=case, reason=form.reason
        )
    for successor in successors.values():
        snap = unit_snapshot(successor)
        record(
            uow,
            successor,
            kind=str(form.kind),
            before=snap,
            after=snap | {"predecessors": form.predecessors},
            effective_on=on,
            case=case,
            reason=form.reason,
        )
    uow.publish(
        UnitRestructured(
            kind=str(form.kind),
            predecessor_usccs=form.predecessors,
            successor_usccs=form.successors,
            moved_persons=moved,
            effective_on=on,
            region=uow.region,
        )
    )
    await uow.session.flush()
    return {
        "kind": str(form.kind),
        "predecessors": form.predecessors,
        "successors": form.successors,
        "moved_persons": moved,
        "effective_on": str(on),
    }
