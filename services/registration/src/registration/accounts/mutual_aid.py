"""家庭共济 binding and unbinding (徐州 2.18 / 2.19) as cases; the binding is made when the case completes."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from medins.cases.service import Applicant, china_today
from medins.db import UnitOfWork
from medins.errors import Conflict, NotFound
from registration.accounts.domain import RELATIONSHIP_ZH, BindingRequest, Relationship, birth_date, check_binding
from registration.accounts.models import FamilyMutualAid
from registration.accounts.schemas import MutualAidBindingForm, MutualAidUnbindingForm
from registration.accounts.service import get_person
from registration.accounts.withdrawals import RECEIPT_FIELDS, NameMismatch
from registration.persons.models import Enrolment, InsuredPerson

BIND_KEY = "family_mutual_aid_binding"
UNBIND_KEY = "family_mutual_aid_unbinding"


class AlreadyBound(Conflict):
    code = "already_bound"
    title = "已存在有效的家庭共济绑定"


class BindingNotFound(NotFound):
    code = "binding_not_found"
    title = "没有有效的家庭共济绑定"


@dataclass(frozen=True)
class PreparedCase:
    applicant: Applicant
    form: dict[str, Any]


async def schemes_in_force(session: AsyncSession, person: InsuredPerson) -> frozenset[str]:
    rows = await session.scalars(
        select(Enrolment.insutype).where(Enrolment.person_id == person.id, Enrolment.status == "enrolled")
    )
    return frozenset(rows.all())


async def _person(session: AsyncSession, certno: str, name: str, role: str) -> InsuredPerson:
    person = await get_person(session, certno)
    if person.name != name:
        raise NameMismatch(f"{role}姓名「{name}」与参保登记的姓名不一致")
    return person


async def open_binding(
    session: AsyncSession, authoriser: str, user: str, *, lock: bool = False
) -> FamilyMutualAid | None:
    query = select(FamilyMutualAid).where(
        FamilyMutualAid.authoriser_certno == authoriser,
        FamilyMutualAid.user_certno == user,
        FamilyMutualAid.end_on.is_(None),
    )
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def _check_binding(session: AsyncSession, form: MutualAidBindingForm) -> None:
    authoriser = await _person(session, form.authoriser_certno, form.authoriser_name, "授权人")
    user = await _person(session, form.user_certno, form.user_name, "使用人")
    check_binding(
        BindingRequest(
            authoriser_certno=authoriser.certno,
            user_certno=user.certno,
            relationship=form.relationship,
            authoriser_employee_insured="310" in await schemes_in_force(session, authoriser),
            user_schemes=await schemes_in_force(session, user),
            authoriser_birth=birth_date(authoriser.certno),
            user_birth=birth_date(user.certno),
        )
    )
    if await open_binding(session, form.authoriser_certno, form.user_certno) is not None:
        raise AlreadyBound(f"{form.authoriser_name}已授权{form.user_name}使用其个人账户，无需重复绑定")


async def prepare_binding(uow: UnitOfWork, form: MutualAidBindingForm) -> PreparedCase:
    await _check_binding(uow.session, form)
    receipt = {
        "grantor_name": form.authoriser_name,
        "grantor_certno": form.authoriser_certno,
        "grant_start": f"{china_today():%Y-%m-%d}",
        "relationship": RELATIONSHIP_ZH[form.relationship],
        "user_name": form.user_name,
        "user_certno": form.user_certno,
        "declarant": form.authoriser_name,
        "phone": form.phone,
        "remarks": "家庭共济账户绑定",
    }
    return PreparedCase(
        Applicant("person", form.authoriser_certno, form.authoriser_name),
        form.model_dump(mode="json") | {RECEIPT_FIELDS: {k: v for k, v in receipt.items() if v}},
    )


def _form(case: RowMapping) -> dict[str, Any]:
    return {k: v for k, v in case["form"].items() if k != RECEIPT_FIELDS}


async def complete_binding(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """The binding starts on the day the case completes (授权开始时间)."""
    form = MutualAidBindingForm.model_validate(_form(case))
    await _check_binding(uow.session, form)
    binding = FamilyMutualAid(
        id=uuid.uuid4(),
        authoriser_certno=form.authoriser_certno,
        authoriser_name=form.authoriser_name,
        user_certno=form.user_certno,
        user_name=form.user_name,
        relationship=str(form.relationship),
        start_on=china_today(),
        end_on=None,
        bound_case_no=case["case_no"],
        created_at=datetime.now(UTC),
    )
    uow.session.add(binding)
    try:
        async with uow.session.begin_nested():
            await uow.session.flush()
    except IntegrityError as exc:  # the same pair bound by a concurrent case
        raise AlreadyBound(f"{form.authoriser_name}已授权{form.user_name}使用其个人账户，无需重复绑定") from exc
    return {
        "binding_id": str(binding.id),
        "relationship": str(form.relationship),
        "relationship_label": RELATIONSHIP_ZH[form.relationship],
        "start_on": binding.start_on.isoformat(),
    }


async def prepare_unbinding(uow: UnitOfWork, form: MutualAidUnbindingForm) -> PreparedCase:
    await _person(uow.session, form.authoriser_certno, form.authoriser_name, "授权人")
    binding = await open_binding(uow.session, form.authoriser_certno, form.user_certno)
    if binding is None:
        raise BindingNotFound("授权人与该使用人之间没有有效的家庭共济绑定")
    receipt = {
        "grantor_name": binding.authoriser_name,
        "grantor_certno": binding.authoriser_certno,
        "grant_start": binding.start_on.isoformat(),
        "relationship": RELATIONSHIP_ZH[Relationship(binding.relationship)],
        "user_name": binding.user_name,
        "user_certno": binding.user_certno,
        "declarant": form.authoriser_name,
        "phone": form.phone,
        "remarks": "家庭共济账户解绑",
    }
    return PreparedCase(
        Applicant("person", form.authoriser_certno, form.authoriser_name),
        form.model_dump(mode="json") | {RECEIPT_FIELDS: {k: v for k, v in receipt.items() if v}},
    )


async def complete_unbinding(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
    """The binding ends on the day the case completes."""
    form = MutualAidUnbindingForm.model_validate(_form(case))
    binding = await open_binding(uow.session, form.authoriser_certno, form.user_certno, lock=True)
    if binding is None:
        raise BindingNotFound("授权人与该使用人之间没有有效的家庭共济绑定")
    binding.end_on = max(china_today(), binding.start_on)
    binding.unbound_case_no = case["case_no"]
    await uow.session.flush()
    return {
        "binding_id": str(binding.id),
        "start_on": binding.start_on.isoformat(),
        "end_on": binding.end_on.isoformat(),
    }


async def bindings_of(session: AsyncSession, certno: str) -> list[FamilyMutualAid]:
    """Every binding where the person is the authoriser or the user, newest first."""
    query = (
        select(FamilyMutualAid)
        .where(or_(FamilyMutualAid.authoriser_certno == certno, FamilyMutualAid.user_certno == certno))
        .order_by(FamilyMutualAid.created_at.desc())
    )
    return list((await session.scalars(query)).all())
