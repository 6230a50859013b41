from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from maternity.coverage import service
from maternity.coverage.domain import format_month
from maternity.coverage.schemas import CoverageOut, PeriodOut, StatusChangeOut, TransferredPeriodOut
from medins.authz import audience
from medins.identity import PrincipalKind
from medins.ids import CertNo
from medins.service_app import SessionDep

router = APIRouter(prefix="/api/v1/maternity/coverage", tags=["coverage 参保状态与缴费月数"])


@router.get(
    "/{certno}",
    response_model=CoverageOut,
    summary="参保状态与缴费月数查询（某日是否参保、连续与累计缴费月数）",
    # staff at the window, and other services that ask "was this person insured on this date"
    openapi_extra=audience(PrincipalKind.staff, PrincipalKind.service),
)
async def get_coverage(
    certno: CertNo,
    session: SessionDep,
    on: Annotated[date, Query(description="查询日期 YYYY-MM-DD")],
    insutype: Annotated[str, Query(pattern="^(310|390|510)$", description="险种类型")] = "510",
) -> CoverageOut:
    answer = await service.coverage_of(session, certno=certno, insutype=insutype, on=on)
    coverage, status = answer.coverage, answer.coverage.status
    last = coverage.periods[-1].end if coverage.periods else None
    return CoverageOut(
        certno=certno,
        psn_no=answer.persons[0].psn_no,
        insutype=insutype,
        on=on,
        insured=coverage.insured,
        enrolment_status=str(status.status) if status else None,
        enrolment_status_since=status.effective_on if status else None,
        month_contributed=coverage.month_counted,
        consecutive_months=coverage.consecutive_months,
        cumulative_months=coverage.cumulative_months,
        transferred_months=coverage.transferred_months,
        arrears_month=coverage.arrears_month,
        last_contributed_month=format_month(last) if last else None,
        died_on=min((p.died_on for p in answer.persons if p.died_on), default=None),
        periods=[
            PeriodOut(start=format_month(p.start), end=format_month(p.end), months=p.months) for p in coverage.periods
        ],
        transferred_periods=[
            TransferredPeriodOut(
                start=format_month(p.start),
                end=format_month(p.end),
                months=p.months,
                admdvs=p.admdvs,
                letter_no=p.letter_no,
            )
            for p in answer.brought_in
        ],
        history=[
            StatusChangeOut(insutype=c.insutype, status=str(c.status), effective_on=c.effective_on, reason=c.reason)
            for c in answer.history
        ],
    )
