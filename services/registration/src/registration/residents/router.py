"""Applications of residents (城乡居民): 参保登记 by the person, a school's or community's 汇总表 as a CSV file,
and 变更登记."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from medins.authz import audience
from medins.cases.schemas import CaseOut
from medins.cases.service import Applicant
from medins.cases.views import case_out
from medins.errors import ProblemError
from medins.identity import CurrentPrincipal, PrincipalKind
from medins.ids import mask_certno, validate_uscc
from medins.service_app import SessionDep, UowDep
from registration.applications.schemas import ApplicationOut, Submission
from registration.casework import Candidate, applicants, apply, check_applicant, choose_item, kit_of, submit
from registration.persons.certs import special_group
from registration.residents import batch
from registration.residents.forms import ResidentApplication, ResidentChangeApplication
from registration.residents.service import complete_resident_change, complete_resident_enrolment, screen

router = APIRouter(prefix="/api/v1/registration", tags=["residents 城乡居民"])

PERSON_OR_STAFF = applicants(PrincipalKind.person)
RESIDENT_REGISTRATION = Candidate("resident_registration")


@router.post(
    "/resident-registrations",
    status_code=201,
    response_model=ApplicationOut,
    summary="城乡居民参保登记（样表5）",
    openapi_extra=PERSON_OR_STAFF,
)
async def apply_resident(
    body: ResidentApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    form = body.form
    return await apply(
        uow,
        kit_of(request),
        principal=principal,
        candidates=(RESIDENT_REGISTRATION,),
        applicant=Applicant("person", form.certno, form.name),
        submission=body,
        form=form,
        operation="resident_enrol",
        handler=complete_resident_enrolment,
        implied={special_group(form.cert_type)},
    )


@router.post(
    "/resident-changes",
    status_code=201,
    response_model=ApplicationOut,
    summary="城乡居民参保信息变更登记（样表9；含暂停、终止、恢复参保）",
    openapi_extra=PERSON_OR_STAFF,
)
async def apply_resident_change(
    body: ResidentChangeApplication, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    kit, form = kit_of(request), body.form
    implied = form.situations
    if "name_change" in kit.item("resident_change_registration").situation_keys and form.changes is not None:
        # 徐州 asks a name change for the 户口本 only; its 重要信息 are 身份证号码、性别
        if not set(form.changes.model_dump(exclude_none=True)) & {"certno", "cert_type", "sex", "birth_month"}:
            implied.discard("key_info_change")
    return await apply(
        uow,
        kit,
        principal=principal,
        candidates=(Candidate("resident_change_registration"),),
        applicant=Applicant("person", form.certno, form.name),
        submission=body,
        form=form,
        operation="resident_change",
        handler=complete_resident_change,
        implied=implied,
    )


class BatchReport(BaseModel):
    file_rows: int = Field(description="文件中的数据行数")
    accepted: int = Field(description="通过校验、随办件办理的行数")
    refused: int = Field(description="被退回的行数")
    rows: list[dict[str, Any]] = Field(description="逐行结果：行号、姓名、身份证号码（脱敏）、状态、原因")


class BatchOut(BaseModel):
    case: CaseOut
    report: BatchReport


class BatchHasNoValidRows(ProblemError):
    status = 422
    code = "batch_has_no_valid_rows"
    title = "汇总表中没有可以登记的人员"


@router.post(
    "/resident-batches",
    status_code=201,
    response_model=BatchOut,
    summary="城乡居民参保登记汇总表（样表6）批量登记：上传CSV文件（Content-Type: text/csv）",
    openapi_extra=applicants(PrincipalKind.employer)
    | {"requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def upload_batch(
    request: Request,
    principal: CurrentPrincipal,
    uow: UowDep,
    organisation_uscc: Annotated[str, Query(description="学校或社区（村委会、居委会）的统一社会信用代码")],
    organisation_name: Annotated[str, Query(min_length=2, max_length=200, description="学校名称或社区名称")],
    kind: Annotated[Literal["school", "community"], Query(description="school 学校 / community 社区")] = "school",
    district: Annotated[str | None, Query(max_length=100, description="学校所在区县")] = None,
    materials: Annotated[list[str] | None, Query(description="提交的材料")] = None,
    situations: Annotated[list[str] | None, Query(description="申请情形")] = None,
    channel: Annotated[str, Query(pattern=r"^(window|online|mobile|mail)$")] = "window",
) -> BatchOut:
    kit = kit_of(request)
    try:
        uscc = validate_uscc(organisation_uscc)
    except ValueError as exc:
        raise ProblemError(str(exc), status=422, code="invalid_uscc", title="统一社会信用代码不正确") from exc
    applicant = Applicant("employer", uscc, organisation_name)
    check_applicant(principal, kit, applicant)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("text/csv", "application/csv", "text/plain", "application/octet-stream"):
        raise ProblemError(
            "请以 text/csv 上传汇总表文件", status=415, code="unsupported_media_type", title="不支持的文件格式"
        )
    parsed = batch.parse(await request.body(), default_identity="child" if kind == "school" else None)
    school = kind == "school"
    item = choose_item(
        kit,
        *(
            (Candidate("student_registration", listed_only=True), Candidate("resident_registration", "student"))
            if school
            else ()
        ),
        RESIDENT_REGISTRATION,
    )
    submission = Submission(materials=materials or [], situations=situations or [], channel=channel)
    async with uow:
        refused = await screen(uow, [r.certno for r in parsed.rows])
        by_line = {r.line: r for r in parsed.rows}
        for line_report in parsed.reports:
            resident = by_line.get(line_report.line) if line_report.accepted else None
            if resident is not None and resident.certno in refused:
                line_report.accepted = False
                line_report.reasons = [refused[resident.certno]]
        good = [r for r in parsed.rows if r.certno not in refused]
        rows = [r.as_dict() for r in parsed.reports]
        if not good:
            raise BatchHasNoValidRows(
                f"汇总表共{len(rows)}行，全部未通过校验，请按逐行原因修改后重新上传", extra={"rows": rows}
            )
        form = {
            "organisation": {"uscc": uscc, "name": organisation_name, "district": district, "kind": kind},
            "unit_name": organisation_name,
            "uscc": uscc,
            "file_rows": len(rows),
            "rows": [r.model_dump(mode="json") for r in good],
            "refused": [r for r in rows if r["status"] == "refused"],
        }
        case = await submit(
            uow,
            kit,
            item=item,
            applicant=applicant,
            principal=principal,
            submission=submission,
            form=form,
            operation="resident_batch",
            implied={"student" if school else None},
        )
        out = await case_out(kit, uow.session, case)
        await uow.commit()
    summary = BatchReport(file_rows=len(rows), accepted=len(good), refused=len(rows) - len(good), rows=rows)
    return BatchOut(case=out, report=summary)


@router.get(
    "/resident-batches/{case_no}/report",
    response_model=BatchReport,
    summary="汇总表逐行结果（上传时的校验结果；办结后为登记结果）",
    openapi_extra=audience(PrincipalKind.staff, PrincipalKind.employer),
)
async def batch_report(case_no: str, request: Request, principal: CurrentPrincipal, session: SessionDep) -> BatchReport:
    kit = kit_of(request)
    case = await kit.view(session, case_no, principal)
    form, result = case["form"] or {}, case["result"] or {}
    if form.get("operation") != "resident_batch":
        raise ProblemError("该办件不是汇总表批量登记", status=404, code="not_a_batch", title="不是批量登记办件")
    if result.get("rows"):
        rows = result["rows"]
    else:
        accepted = [
            {
                "line": r["line"],
                "name": r["name"],
                "certno": mask_certno(r["certno"]),
                "status": "accepted",
                "reasons": [],
            }
            for r in form["rows"]
        ]
        rows = sorted(accepted + form.get("refused", []), key=lambda r: r["line"])
    accepted_count = sum(1 for r in rows if r["status"] in ("accepted", "enrolled"))
    return BatchReport(
        file_rows=form.get("file_rows", len(rows)),
        accepted=accepted_count,
        refused=len(rows) - accepted_count,
        rows=rows,
    )
