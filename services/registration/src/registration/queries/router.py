"""参保信息查询: a person their own record, a unit its own and its employees', staff anyone's in the region;
and the window's query cases (参保人员 / 参保单位参保信息查询 as items, their result the printed record)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from medins.authz import audience
from medins.cases.service import Applicant
from medins.errors import Forbidden, UnprocessableInput
from medins.identity import CurrentPrincipal, PrincipalKind
from medins.ids import USCC, mask_certno
from medins.service_app import SessionDep, UowDep
from registration.applications.schemas import ApplicationOut, Submission
from registration.casework import Candidate, applicants, apply, kit_of
from registration.persons.certs import CertType, validate_document
from registration.queries.service import (
    complete_person_query,
    complete_unit_query,
    find_person_record,
    find_unit,
    person_record,
)
from registration.queries.units import unit_employees, unit_record

router = APIRouter(prefix="/api/v1/registration", tags=["queries 参保信息查询"])


class PersonQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cert_type: CertType = Field(CertType.resident_id, description="身份证件类型")
    certno: str = Field(min_length=5, max_length=30, description="身份证件号码")

    def number(self) -> str:
        return validate_document(self.cert_type, self.certno)


class UnitQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: USCC


class PersonQueryApplication(Submission):
    form: PersonQuery


class UnitQueryApplication(Submission):
    form: UnitQuery


class NotYourEmployee(Forbidden):
    code = "not_your_employee"
    title = "只能查询本单位的职工"


def _certno(body: PersonQuery) -> str:
    try:
        return body.number()
    except ValueError as exc:
        raise UnprocessableInput(str(exc), code="invalid_certno", title="证件号码不正确") from exc


@router.post(
    "/insurance-info/persons",
    summary="参保人员参保信息查询（参保缴费证明）",
    openapi_extra=audience(PrincipalKind.staff, PrincipalKind.person, PrincipalKind.employer),
)
async def query_person(body: PersonQuery, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    certno = _certno(body)
    if principal.kind is PrincipalKind.person and principal.id != certno:
        raise Forbidden("参保人只能查询本人的参保信息", code="not_owner", title="无权查看他人的数据")
    person = await find_person_record(session, certno)
    if principal.kind is PrincipalKind.employer:
        employer = await find_unit(session, principal.id)
        record = await person_record(session, person, employer_id=employer.id)
        if not record["enrolments"]:
            raise NotYourEmployee(f"{person.name}（{mask_certno(certno)}）不是本单位的参保人员")
        return record
    return await person_record(session, person)


@router.get(
    "/insurance-info/units/{uscc}",
    summary="参保单位参保信息查询",
    openapi_extra=audience(PrincipalKind.staff, PrincipalKind.employer),
)
async def query_unit(uscc: str, principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    _own_unit(principal, uscc)
    return await unit_record(session, await find_unit(session, uscc.strip().upper()))


@router.get(
    "/insurance-info/units/{uscc}/employees",
    summary="参保单位的参保人员名单",
    openapi_extra=audience(PrincipalKind.staff, PrincipalKind.employer),
)
async def query_unit_employees(
    uscc: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    status: Annotated[str | None, Query(pattern=r"^(enrolled|suspended|terminated)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    _own_unit(principal, uscc)
    employer = await find_unit(session, uscc.strip().upper())
    return await unit_employees(session, employer, status=status, limit=limit, offset=offset)


@router.get(
    "/insurance-info/mine",
    summary="本人（本单位）参保信息",
    openapi_extra=audience(PrincipalKind.person, PrincipalKind.employer),
)
async def query_mine(principal: CurrentPrincipal, session: SessionDep) -> dict[str, Any]:
    if principal.kind is PrincipalKind.employer:
        return await unit_record(session, await find_unit(session, principal.id))
    return await person_record(session, await find_person_record(session, principal.id))


def _own_unit(principal: CurrentPrincipal, uscc: str) -> None:
    if principal.kind is PrincipalKind.employer and principal.id != uscc.strip().upper():
        raise Forbidden("参保单位只能查询本单位的参保信息", code="not_owner", title="无权查看他人的数据")


@router.post(
    "/person-insurance-queries",
    status_code=201,
    response_model=ApplicationOut,
    summary="参保人员参保信息查询（窗口办件，结果为参保缴费证明）",
    openapi_extra=applicants(PrincipalKind.person),
)
async def apply_person_query(
    body: PersonQueryApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    certno = _certno(body.form)
    form = PersonQuery(cert_type=body.form.cert_type, certno=certno)
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("person_insurance_query"),),
        applicant=Applicant("person", certno, None),
        submission=body,
        form=form,
        operation="person_query",
        handler=complete_person_query,
    )


@router.post(
    "/unit-insurance-queries",
    status_code=201,
    response_model=ApplicationOut,
    summary="参保单位参保信息查询（窗口办件）",
    openapi_extra=applicants(PrincipalKind.employer),
)
async def apply_unit_query(
    body: UnitQueryApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(Candidate("unit_insurance_query"),),
        applicant=Applicant("employer", body.form.uscc, None),
        submission=body,
        form=body.form,
        operation="unit_query",
        handler=complete_unit_query,
    )
