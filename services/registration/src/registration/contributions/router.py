"""缴费明细批次导入 and 参保期间查询: the tax bureau's monthly file in, insured periods out."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.requests import ClientDisconnect

from medins.authz import audience
from medins.errors import ProblemError, UnprocessableInput
from medins.identity import CurrentPrincipal, PrincipalKind, StaffRole, require_staff
from medins.ids import CertNo
from medins.service_app import SessionDep, UowDep
from registration.contributions import importer, service
from registration.contributions.csvfile import codec_for
from registration.contributions.domain import InsuType, first_of_month, parse_month
from registration.contributions.schemas import (
    BatchSource,
    ContributionBatchOut,
    ContributionBatchSummary,
    InsuredPeriodsOut,
)

router = APIRouter(prefix="/api/v1/registration", tags=["contributions 缴费记录"])

#: a month's file of a large city is some 100 MB; 1 GiB (some 12 million rows) is a guard, not a target
MAX_UPLOAD_BYTES = 1024**3
CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        "description": "缴费明细 CSV（UTF-8 或 GB18030，首行为表头）",
    }
}


class UnsupportedMediaType(ProblemError):
    status = 415
    code = "unsupported_media_type"
    title = "不支持的请求体格式"


class UploadInterrupted(ProblemError):
    status = 400
    code = "upload_interrupted"
    title = "上传中断"


def _period(text: str) -> date:
    month = parse_month(text)
    if month is None or month > first_of_month(date.today()):
        raise UnprocessableInput(
            "批次所属期 period 应为 YYYY-MM，且不晚于本月", code="period_invalid", title="批次所属期不正确"
        )
    return month


def _codec(content_type: str | None) -> str:
    media_type, _, params = (content_type or "").partition(";")
    if media_type.strip().lower() not in CSV_TYPES:
        raise UnsupportedMediaType("请以 Content-Type: text/csv 上传缴费明细文件（请求体即文件内容）")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value
    return codec_for(charset)


@router.post(
    "/contribution-batches",
    status_code=201,
    response_model=ContributionBatchOut,
    summary="导入税务缴费明细（批量）",
    openapi_extra=UPLOAD_DOC | audience(PrincipalKind.staff, staff_roles=(StaffRole.finance, StaffRole.admin)),
    max_body_size=MAX_UPLOAD_BYTES,  # the body is parsed as it arrives, never held whole
)
async def import_contribution_batch(
    request: Request,
    principal: CurrentPrincipal,
    uow: UowDep,
    period: Annotated[str, Query(description="批次费款所属期 YYYY-MM", examples=["2024-03"])],
    source: Annotated[BatchSource, Query(description="来源：tax 税务征收")] = BatchSource.tax,
    file_name: Annotated[str | None, Query(max_length=200, description="原文件名（留档）")] = None,
) -> ContributionBatchOut:
    """The tax bureau's (税务) monthly contribution file, as the body (``Content-Type: text/csv``,
    ``charset=utf-8`` by default or ``gb18030``/``gbk``), read as it arrives: never held whole.

    The first line is the header; columns in any order, by English or Chinese name; others are ignored:

    | column | 中文表头 | rule |
    |---|---|---|
    | `certno` | 身份证号 | 18 characters, GB 11643 check digit; the person must be registered (参保登记) |
    | `insutype` | 险种类型 | 310 职工基本医疗保险 / 390 城乡居民基本医疗保险 / 510 生育保险 |
    | `month` | 费款所属期 | `YYYY-MM` or `YYYYMM`, 1990-01 … `period` (earlier months are 补缴) |
    | `contribution_base` | 缴费基数 | > 0 for 310 and 510; may be empty for 390 |
    | `employer_amount` | 单位缴费金额 | >= 0, at most two decimals |
    | `person_amount` | 个人缴费金额 | >= 0; with the employer's amount more than 0 |
    | `employer_uscc` | 统一社会信用代码 | optional; check character verified |
    | `paid_on` | 缴费日期 | optional; `YYYY-MM-DD`, not in the future |

    Good rows are recorded, bad rows are reported with their line and reason (the batch's row report);
    the whole file is one transaction. A row repeated in the file, of a person not registered, or for a
    month already recorded with other amounts is refused; a month already recorded with the same amounts
    counts as unchanged (importing a corrected file again is harmless). The same file twice: 409.
    Staff with role 财务 (finance) or 管理员 (admin).
    """
    settings = request.app.state.settings
    require_staff(principal, StaffRole.finance, StaffRole.admin, region=settings.region)
    month = _period(period)
    codec = _codec(request.headers.get("content-type"))
    try:
        async with uow:
            batch_id = await importer.import_batch(
                uow,
                chunks=request.stream(),
                codec=codec,
                period=month,
                source=source.value,
                file_name=file_name,
                actor=principal.label,
                today=date.today(),
            )
    except ClientDisconnect as exc:
        raise UploadInterrupted("上传未完成，本批次未导入任何数据") from exc
    async with request.app.state.sessionmaker() as session:
        return await service.get_batch(session, batch_id)


@router.get("/contribution-batches/{batch_id}", response_model=ContributionBatchOut, summary="缴费明细批次及逐行报告")
async def get_contribution_batch(
    batch_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    after_line: Annotated[int, Query(ge=0, description="只列出此行号之后的被拒绝行（分页）")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ContributionBatchOut:
    require_staff(principal)
    return await service.get_batch(session, batch_id, after_line=after_line, limit=limit)


@router.get("/contribution-batches", response_model=list[ContributionBatchSummary], summary="缴费明细批次列表")
async def list_contribution_batches(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: Annotated[str | None, Query(description="费款所属期 YYYY-MM")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ContributionBatchSummary]:
    require_staff(principal)
    month = _period(period) if period else None
    return await service.list_batches(session, period=month, limit=limit, offset=offset)


@router.get("/persons/{certno}/insured-periods", response_model=InsuredPeriodsOut, summary="参保期间与缴费月数查询")
async def get_insured_periods(
    certno: CertNo,
    principal: CurrentPrincipal,
    session: SessionDep,
    as_of: Annotated[date | None, Query(description="截至日期（默认今天）：该日所在月是否参保、连续缴费月数")] = None,
    insutype: Annotated[InsuType | None, Query(description="只看一个险种")] = None,
) -> InsuredPeriodsOut:
    """Consecutive contribution months merged into periods, with 实际/视同/累计/连续 months, per insutype."""
    require_staff(principal)
    return await service.insured_periods(session, certno=certno, as_of=as_of or date.today(), insutype=insutype)
