"""参保信息变更登记 of a person (职工 样表8, 城乡居民 样表9): the fields, their values before and after."""

from typing import Any

from sqlalchemy import select

from medins.cases.service import china_today
from medins.db import UnitOfWork
from medins.errors import ProblemError
from medins.ids import mask_certno
from registration.events import PersonChanged
from registration.persons import certs
from registration.persons.lifecycle import Locked, add_change
from registration.persons.models import InsuredPerson

PERSON_FIELDS = ("name", "cert_type", "certno", "sex", "birth_month", "mobile")
KEY_FIELDS = frozenset({"name", "cert_type", "certno", "sex", "birth_month"})


class CertnoInUse(ProblemError):
    status = 409
    code = "certno_in_use"
    title = "新的身份证件号码已登记为其他参保人员"


class NothingToChange(ProblemError):
    status = 422
    code = "nothing_changed"
    title = "变更后信息与原登记信息相同"


async def apply_person_changes(
    uow: UnitOfWork, locked: Locked, requested: dict[str, Any], *, actor: str, case_no: str, remarks: str | None
) -> dict[str, dict[str, Any]]:
    """Changes the person's fields that really change, keeps 变更前/变更后 in the history, publishes the event."""
    person = locked.person
    requested = {k: v for k, v in requested.items() if v is not None}
    if "certno" in requested and "cert_type" not in requested:
        requested["cert_type"] = person.cert_type
    changes = {
        field: {"before": getattr(person, field), "after": value}
        for field, value in requested.items()
        if getattr(person, field) != value
    }
    if not changes:
        raise NothingToChange(f"{locked.who}的变更后信息与原登记信息相同")
    former_certno = None
    if "certno" in changes:
        taken = await uow.session.scalar(select(InsuredPerson.id).where(InsuredPerson.certno == requested["certno"]))
        if taken is not None:
            raise CertnoInUse(f"证件号码 {mask_certno(requested['certno'])} 已登记为其他参保人员")
        former_certno = person.certno
        if "birth_month" not in requested:
            birth = certs.birth_month(requested["cert_type"], requested["certno"])
            if birth and birth != person.birth_month:
                changes["birth_month"] = {"before": person.birth_month, "after": birth}
    for field, change in changes.items():
        setattr(person, field, change["after"])
    masked = {
        field: {k: mask_certno(v) if field == "certno" and v else v for k, v in change.items()}
        for field, change in changes.items()
    }
    add_change(
        uow,
        person=person,
        enrolment=locked.enrolment,
        kind="info_changed",
        effective_on=china_today(),
        actor=actor,
        case_no=case_no,
        before={f: c["before"] for f, c in changes.items()},
        after={f: c["after"] for f, c in changes.items()},
        from_status=locked.enrolment.status if locked.enrolment else None,
        reason=remarks,
    )
    await uow.session.flush()
    uow.publish(
        PersonChanged(
            person_id=person.id,
            psn_no=person.psn_no,
            certno=person.certno,
            former_certno=former_certno,
            name=person.name,
            changes=changes,
            key_information=bool(KEY_FIELDS & set(changes)),
            region=uow.region,
        )
    )
    return masked
