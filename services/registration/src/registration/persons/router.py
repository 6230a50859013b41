"""身份证 / 社保卡 identification of an insured person (at a counter or a hospital); not a login.

Staff and designated institutions give a 身份证号 (check digit validated), or a 社保卡 number with the
身份证号 printed on the card (社会保障号码 = 身份证号). A person may look up only themselves, an employer
only its employees. The gateway's ``POST /api/v1/identity/persons`` calls this route.
"""

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from medins.authz import audience
from medins.errors import Forbidden, NotFound
from medins.identity import CurrentPrincipal, PrincipalKind
from medins.ids import CertNo, mask_certno
from medins.service_app import SessionDep
from registration.persons.models import Enrolment, InsuredPerson
from registration.units.models import Employer

router = APIRouter(prefix="/api/v1/registration/persons", tags=["persons 参保人员"])


class PersonLookup(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    certno: CertNo = Field(description="身份证号（社保卡上的社会保障号码）")
    card_no: str | None = Field(None, pattern=r"^[0-9A-Za-z]{9,20}$", description="社会保障卡卡号（刷卡时）")


class EnrolmentView(BaseModel):
    insutype: str = Field(description="险种类型 310 职工基本医疗保险 / 390 城乡居民 / 510 生育")
    status: str
    start_on: date
    flexible_worker: bool
    employer_uscc: str | None
    employer_name: str | None


class PersonIdentified(BaseModel):
    psn_no: str = Field(description="人员编号")
    name: str
    cert_type: str
    certno_masked: str = Field(description="身份证号（脱敏）")
    region: str = Field(description="参保地医保区划")
    identified_by: str = Field(description="id_card 身份证 | social_security_card 社保卡")
    enrolments: list[EnrolmentView]


class NotYourEmployee(Forbidden):
    code = "not_your_employee"
    title = "只能查询本单位的职工"


@router.post(
    "/lookup",
    response_model=PersonIdentified,
    summary="身份证/社保卡识别参保人员",
    openapi_extra=audience(
        PrincipalKind.staff, PrincipalKind.institution, PrincipalKind.person, PrincipalKind.employer
    ),
)
async def lookup_person(body: PersonLookup, principal: CurrentPrincipal, session: SessionDep) -> PersonIdentified:
    if principal.kind is PrincipalKind.person and principal.id != body.certno:
        raise Forbidden("参保人只能查询本人的参保信息", code="not_owner", title="无权查看他人的数据")
    person = await session.scalar(select(InsuredPerson).where(InsuredPerson.certno == body.certno))
    rows = []
    if person is not None:
        query = (
            select(Enrolment, Employer.uscc, Employer.name)
            .outerjoin(Employer, Employer.id == Enrolment.employer_id)
            .where(Enrolment.person_id == person.id)
            .order_by(Enrolment.start_on)
        )
        rows = list((await session.execute(query)).all())
    if principal.kind is PrincipalKind.employer:
        # a unit sees its own employment of the person, not the person's other units
        rows = [row for row in rows if row[1] == principal.id]
        if not rows:
            raise NotYourEmployee("该人员不是本单位参保职工")
    if person is None:
        raise NotFound("本统筹区没有该身份证号的参保人员", code="person_not_found", title="未找到参保人员")
    return PersonIdentified(
        psn_no=person.psn_no,
        name=person.name,
        cert_type=person.cert_type,
        certno_masked=mask_certno(person.certno),
        region=person.region,
        identified_by="social_security_card" if body.card_no else "id_card",
        enrolments=[
            EnrolmentView(
                insutype=e.insutype,
                status=e.status,
                start_on=e.start_on,
                flexible_worker=e.flexible_worker,
                employer_uscc=uscc,
                employer_name=name,
            )
            for e, uscc, name in rows
        ],
    )
