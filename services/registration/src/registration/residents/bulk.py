"""A school's or community's 汇总表 enrolled set-based: a few statements for the whole table, not a dozen per row.

The rows the register refuses (dead, already 390, in 310) are reported; new persons and their 390 enrolments are
inserted in bulk (``ON CONFLICT DO NOTHING``); a person who already has a suspended or terminated 390 enrolment,
or whom a concurrent case registered meanwhile, goes through the one-person path (``enrol_resident``), which
locks and moves that enrolment like any other.
"""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from medins.cases.service import china_today
from medins.db import UnitOfWork
from registration.employees.forms import first_day
from registration.events import PersonEnrolled
from registration.persons.certs import birth_month
from registration.persons.domain import EMPLOYEE_MEDICAL, RESIDENT_MEDICAL, EnrolmentStatus
from registration.persons.models import Enrolment, EnrolmentChange, InsuredPerson
from registration.persons.service import psn_no
from registration.residents.forms import ResidentRow


def refusal(died_on: date | None, statuses: dict[str, str]) -> str | None:
    """Why the register refuses a person's 城乡居民参保登记, from their death and their enrolments' statuses."""
    if died_on is not None:
        return "该人员已登记死亡"
    if statuses.get(RESIDENT_MEDICAL) == EnrolmentStatus.enrolled:
        return "已参加城乡居民基本医疗保险，不能重复登记"
    if statuses.get(EMPLOYEE_MEDICAL) == EnrolmentStatus.enrolled:
        return "已参加职工基本医疗保险，不能参加城乡居民基本医疗保险"
    return None


def detail_of(row: ResidentRow, organisation: str | None) -> dict[str, Any]:
    fields = {"identity", "identity_other", "subsidy_category", "household_address", "mailing_address"}
    return row.model_dump(mode="json", include=fields) | {
        "phone": row.phone,
        "guardian_name": row.guardian_name,
        "organisation": organisation,
        "annual_contribution": f"{row.annual_contribution:.2f}" if row.annual_contribution is not None else None,
        "paid_on": str(row.paid_on) if row.paid_on else None,
    }


async def enrol_many(
    uow: UnitOfWork, rows: list[ResidentRow], *, actor: str, case_no: str, organisation: str | None
) -> tuple[list[ResidentRow], dict[str, str], list[ResidentRow]]:
    """(enrolled in bulk, refused 证件号码 → reason, left for the one-person path), in the caller's transaction."""
    session = uow.session
    certnos = [r.certno for r in rows]
    persons = {
        p.certno: p
        for p in (
            await session.scalars(select(InsuredPerson).where(InsuredPerson.certno.in_(certnos)).with_for_update())
        ).all()
    }
    statuses: dict[uuid.UUID, dict[str, str]] = {}
    if persons:
        ids = [p.id for p in persons.values()]
        held = await session.execute(
            select(Enrolment.person_id, Enrolment.insutype, Enrolment.status)
            .where(Enrolment.person_id.in_(ids))
            .with_for_update()
        )
        for person_id, insutype, status in held.all():
            statuses.setdefault(person_id, {})[insutype] = status
    refused: dict[str, str] = {}
    single: list[ResidentRow] = []
    fresh: list[ResidentRow] = []
    for row in rows:
        person = persons.get(row.certno)
        if person is None:
            fresh.append(row)
            continue
        reason = refusal(person.died_on, statuses.get(person.id, {}))
        if reason is not None:
            refused[row.certno] = reason
        else:
            single.append(row)  # a known person: their enrolments move one by one
    now = datetime.now(UTC)
    created = await _insert_persons(uow, fresh, now)
    single += [r for r in fresh if r.certno not in created]  # registered by a concurrent case meanwhile
    bulk = [r for r in fresh if r.certno in created]
    start = china_today().replace(day=1)
    starts: list[date] = [first_day(r.start_month) if r.start_month else start for r in bulk]
    enrolments: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "person_id": created[r.certno][0],
            "insutype": RESIDENT_MEDICAL,
            "status": str(EnrolmentStatus.enrolled),
            "personnel_type": "in_service",
            "employer_id": None,
            "flexible_worker": False,
            "start_month": f"{on:%Y-%m}",
            "start_on": on,
            "case_no": case_no,
            "created_at": now,
            "detail": detail_of(r, organisation),
        }
        for r, on in zip(bulk, starts, strict=True)
    ]
    if enrolments:
        await session.execute(insert(Enrolment), enrolments)
        await session.execute(
            insert(EnrolmentChange),
            [
                {
                    "enrolment_id": e["id"],
                    "person_id": e["person_id"],
                    "insutype": RESIDENT_MEDICAL,
                    "kind": "enrol",
                    "from_status": None,
                    "to_status": e["status"],
                    "effective_on": e["start_on"],
                    "after": {"status": e["status"], "personnel_type": "in_service"},
                    "case_no": case_no,
                    "changed_by": actor,
                    "changed_at": now,
                }
                for e in enrolments
            ],
        )
    for row, on in zip(bulk, starts, strict=True):
        person_id, number = created[row.certno]
        uow.publish(
            PersonEnrolled(
                person_id=person_id,
                psn_no=number,
                certno=row.certno,
                name=row.name,
                insutype=RESIDENT_MEDICAL,
                employer_uscc=None,
                flexible_worker=False,
                start_on=on,
                region=uow.region,
            )
        )
    return bulk, refused, single


async def _insert_persons(uow: UnitOfWork, rows: list[ResidentRow], now: datetime) -> dict[str, tuple[uuid.UUID, str]]:
    """New persons with their 人员编号; 证件号码 → (id, 人员编号) of those this statement inserted."""
    if not rows:
        return {}
    numbers = (
        await uow.session.execute(
            text("SELECT nextval('insured_person_seq') FROM generate_series(1, :n)"), {"n": len(rows)}
        )
    ).scalars()
    values = [
        {
            "id": uuid.uuid4(),
            "psn_no": psn_no(uow.region, sequence),
            "cert_type": str(row.cert_type),
            "certno": row.certno,
            "name": row.name,
            "birth_month": birth_month(row.cert_type, row.certno),
            "mobile": row.phone if row.phone and row.phone.startswith("1") else None,
            "sex": row.sex,
            "region": uow.region,
            "created_at": now,
        }
        for row, sequence in zip(rows, numbers, strict=True)
    ]
    # executemany: SQLAlchemy sends it in pages of rows, within the driver's limit of bind parameters
    inserted = await uow.session.execute(
        insert(InsuredPerson)
        .on_conflict_do_nothing(index_elements=["certno"])
        .returning(InsuredPerson.certno, InsuredPerson.id, InsuredPerson.psn_no),
        values,
    )
    return {certno: (person_id, number) for certno, person_id, number in inserted.all()}
