"""Builds the view of a case (CaseOut) from its rows."""

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from medins.cases import clocks
from medins.cases.domain import CLOCK_RUNNING, CaseStatus, progress_label
from medins.cases.schemas import CaseOut, DocumentRef, StageClockOut
from medins.cases.service import CaseKit


async def case_out(kit: CaseKit, session: AsyncSession, row: RowMapping) -> CaseOut:
    status = CaseStatus(row["status"])
    left = None
    if row["deadline"] is not None and status in CLOCK_RUNNING:
        left = clocks.working_days_left(kit.calendar, row["deadline"], kit.today())
    evaluation = await kit.evaluation(session, row["id"])
    return CaseOut(
        case_no=row["case_no"],
        item_key=row["item_key"],
        item_name=row["item_name"],
        region=row["region"],
        channel=row["channel"],
        applicant_kind=row["applicant_kind"],
        applicant_id=row["applicant_id"],
        applicant_name=row["applicant_name"],
        status=status,
        progress=progress_label(status),
        outcome=row["outcome"],
        submitted_at=row["submitted_at"],
        accepted_on=row["accepted_on"],
        deadline=row["deadline"],
        deadline_provisional=row["deadline_provisional"],
        working_days_left=left,
        overdue=left is not None and left < 0 and row["paused_on"] is None,
        paused=row["paused_on"] is not None,
        extension_days=row["extension_days"],
        missing=row["missing"] or [],
        result=row["result"],
        documents=[
            DocumentRef(id=str(d["id"]), kind=d["kind"], form=d["form"], created_at=d["created_at"])
            for d in await kit.documents(session, row["id"])
        ],
        stage_clocks=[
            StageClockOut(
                stage=c["stage"],
                started_on=c["started_on"],
                deadline=c["deadline"],
                provisional=c["deadline_provisional"],
                completed_on=c["completed_on"],
            )
            for c in await kit.stage_clocks(session, row["id"])
        ],
        evaluation=evaluation["grade"] if evaluation is not None else None,
    )
