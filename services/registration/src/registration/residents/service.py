"""What happens when a resident's case completes: 参保登记 (one person, or a school's or community's table)
and 变更登记 (信息变更, 暂停, 终止, 恢复)."""

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from medins.cases.service import china_today
from medins.db import UnitOfWork
from medins.errors import ProblemError
from medins.ids import mask_certno
from registration.casework import form_of
from registration.employees.forms import first_day
from registration.employees.service import RowMismatch, brief
from registration.persons.certs import birth_month
from registration.persons.changes import apply_person_changes
from registration.persons.domain import (
    EMPLOYEE_MEDICAL,
    RESIDENT_MEDICAL,
    EnrolmentAction,
    EnrolmentStatus,
    PersonNotEnrolled,
    TerminationReason,
)
from registration.persons.lifecycle import Locked, add_change, lock_enrolment, move
from registration.persons.models import Enrolment, InsuredPerson
from registration.persons.moves import record_death
from registration.persons.service import ensure_person
from registration.residents.bulk import detail_of, enrol_many, refusal
from registration.residents.forms import ResidentChangeForm, ResidentForm, ResidentRow


class EnrolledInEmployeeScheme(ProblemError):
    status = 409
    code = "enrolled_in_employee_scheme"
    title = "已参加职工基本医疗保险，不能参加城乡居民基本医疗保险"


async def screen(uow: UnitOfWork, certnos: list[str]) -> dict[str, str]:
    """证件号码 → why the register refuses their 城乡居民参保登记 (dead, already in 390, or in 310)."""
    if not certnos:
        return {}
    rows = (
        await uow.session.execute(
            select(InsuredPerson.certno, InsuredPerson.died_on, Enrolment.insutype, Enrolment.status)
            .outerjoin(Enrolment, Enrolment.person_id == InsuredPerson.id)
            .where(InsuredPerson.certno.in_(certnos))
        )
    ).all()
    died: dict[str, date | None] = {}
    statuses: dict[str, dict[str, str]] = {}
    for certno, died_on, insutype, status in rows:
        died[certno] = died_on
        if insutype is not None:
            statuses.setdefault(certno, {})[insutype] = status
    reasons = {certno: refusal(died[certno], statuses.get(certno, {})) for certno in died}
    return {certno: reason for certno, reason in reasons.items() if reason is not None}


async def enrol_resident(
    uow: UnitOfWork, row: ResidentForm, *, actor: str, case_no: str, extra: dict[str, Any] | None = None
) -> Locked:
    """One person into 城乡居民基本医疗保险 (390) with the scheme's details, and the enrolled event."""
    await ensure_person(
        uow,
        cert_type=row.cert_type,
        certno=row.certno,
        name=row.name,
        birth_month=birth_month(row.cert_type, row.certno),
        mobile=row.phone if row.phone and row.phone.startswith("1") else None,
        sex=row.sex,
    )
    employee = await lock_enrolment(uow, row.certno, EMPLOYEE_MEDICAL)
    assert employee is not None
    if employee.enrolment is not None and employee.enrolment.status == EnrolmentStatus.enrolled:
        raise EnrolledInEmployeeScheme(f"{employee.who}已参加职工基本医疗保险，不能参加城乡居民基本医疗保险")
    locked = await lock_enrolment(uow, row.certno, RESIDENT_MEDICAL)
    assert locked is not None
    detail = (
        row.model_dump(
            mode="json",
            include={"identity", "identity_other", "subsidy_category", "household_address", "mailing_address"},
        )
        | {"phone": row.phone, "guardian_name": row.guardian_name}
        | (extra or {})
    )
    start = first_day(row.start_month) if row.start_month else china_today().replace(day=1)
    await move(
        uow,
        locked,
        EnrolmentAction.enrol,
        insutype=RESIDENT_MEDICAL,
        effective_on=start,
        actor=actor,
        case_no=case_no,
        flexible_worker=False,
        detail=detail,
    )
    return locked


async def complete_resident_enrolment(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """城乡居民参保登记 (样表5) of one person."""
    form = form_of(case, ResidentForm)
    locked = await enrol_resident(uow, form, actor=case["submitted_by"], case_no=case["case_no"])
    await uow.session.flush()
    return {"enrolled": [brief(locked)], "insutype": RESIDENT_MEDICAL}


async def complete_resident_batch(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """A 汇总表 (样表6): every row kept at the upload is enrolled, unless the register refuses it by now (the
    person enrolled on their own meanwhile), which the report then says; all of it in one transaction."""
    form = case["form"]
    organisation = form["organisation"].get("name")
    rows = [ResidentRow.model_validate(r) for r in form["rows"]]
    common = {"actor": case["submitted_by"], "case_no": case["case_no"]}
    bulk, refused, single = await enrol_many(uow, rows, organisation=organisation, **common)
    enrolled = {r.certno for r in bulk}
    for row in single:
        try:
            # the person is known: their enrolment moves (locked) like any other; move() publishes last, so a
            # refusal leaves no event behind
            async with uow.session.begin_nested():
                await enrol_resident(uow, row, extra=detail_of(row, organisation), **common)
            enrolled.add(row.certno)
        except ProblemError as exc:
            refused[row.certno] = exc.detail or exc.title
    report = list(form.get("refused", []))
    for row in rows:
        masked = mask_certno(row.certno)
        if row.certno in enrolled:
            report.append(_line(row.line, row.name, masked, "enrolled", []))
        else:
            report.append(_line(row.line, row.name, masked, "refused", [refused.get(row.certno, "未能登记")]))
    await uow.session.flush()
    report.sort(key=lambda r: r["line"])
    return {
        "organisation": organisation,
        "file_rows": form.get("file_rows", len(report)),
        "enrolled": len(enrolled),
        "refused": len(report) - len(enrolled),
        "rows": report,
        "insutype": RESIDENT_MEDICAL,
    }


def _line(line: int, name: str | None, certno: str | None, status: str, reasons: list[str]) -> dict[str, Any]:
    return {"line": line, "name": name, "certno": certno, "status": status, "reasons": reasons}


async def complete_resident_change(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """城乡居民参保信息变更登记 (样表9), and 暂停 / 终止 / 恢复参保 where the region files them here (徐州 2.17)."""
    form = form_of(case, ResidentChangeForm)
    locked = await lock_enrolment(uow, form.certno, RESIDENT_MEDICAL)
    assert locked is not None
    if locked.enrolment is None:
        raise PersonNotEnrolled(f"{locked.who}未参加城乡居民基本医疗保险")
    if form.name != locked.person.name:
        raise RowMismatch(f"证件号码 {mask_certno(form.certno)} 登记的姓名不是「{form.name}」")
    common = {"actor": case["submitted_by"], "case_no": case["case_no"]}
    if form.change_type != "info":
        assert form.month is not None
        action = {"suspend": EnrolmentAction.suspend, "terminate": EnrolmentAction.terminate}.get(
            form.change_type, EnrolmentAction.resume
        )
        await move(
            uow,
            locked,
            action,
            insutype=RESIDENT_MEDICAL,
            effective_on=first_day(form.month),
            reason=str(form.reason) if form.reason else None,
            **common,
        )
        if form.reason is TerminationReason.death and form.died_on is not None:
            await record_death(uow, locked, form.died_on, **common)
        await uow.session.flush()
        return brief(locked) | {"change_type": form.change_type, "month": form.month}
    changes: dict[str, Any] = {}
    if form.changes is not None:
        requested = form.changes.model_dump(mode="json", exclude_none=True)
        changes = await apply_person_changes(uow, locked, requested, remarks=form.remarks, **common)
    if form.details is not None:
        changes |= _change_details(uow, locked, form.details.model_dump(mode="json", exclude_none=True), form, common)
    await uow.session.flush()
    return brief(locked) | {"change_type": "info", "changes": changes}


def _change_details(
    uow: UnitOfWork, locked: Locked, requested: dict[str, Any], form: ResidentChangeForm, common: dict[str, str]
) -> dict[str, Any]:
    enrolment = locked.held
    current = dict(enrolment.detail or {})
    changes = {k: {"before": current.get(k), "after": v} for k, v in requested.items() if current.get(k) != v}
    if not changes:
        return {}
    enrolment.detail = current | {k: c["after"] for k, c in changes.items()}
    add_change(
        uow,
        person=locked.person,
        enrolment=enrolment,
        kind="detail_changed",
        effective_on=china_today(),
        actor=common["actor"],
        case_no=common["case_no"],
        before={k: c["before"] for k, c in changes.items()},
        after={k: c["after"] for k, c in changes.items()},
        from_status=enrolment.status,
        reason=form.remarks,
    )
    return changes
