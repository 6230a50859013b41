"""The transfer's side of its case (办件): numbers, documents on the case, clocks, notices of rejection."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from medins.cases.documents import notice_document
from medins.cases.domain import CaseAction, CaseStatus
from medins.cases.materials import MaterialsCheck
from medins.cases.tables import case_document, case_record, case_stage_clock
from medins.catalog.models import Limit
from medins.db import UnitOfWork
from transfer.context import TransferContext
from transfer.transfers.models import DocumentSequence


async def next_sequence(session: AsyncSession, kind: str, year: int) -> int:
    """The next number of ``kind`` in ``year``: gapless, the row stays locked until the transaction ends."""
    statement = pg_insert(DocumentSequence).values(kind=kind, year=year, last=1)
    upsert = statement.on_conflict_do_update(index_elements=["kind", "year"], set_={"last": DocumentSequence.last + 1})
    return int((await session.execute(upsert.returning(DocumentSequence.last))).scalar_one())


async def add_document(uow: UnitOfWork, case_id: uuid.UUID, kind: str, body: dict[str, Any]) -> None:
    """A form (样表14–16) on the case, served as JSON and PDF by the case routes."""
    await uow.session.execute(
        insert(case_document).values(
            id=uuid.uuid4(), case_id=case_id, kind=kind, form=body["form"], body=body, created_at=datetime.now(UTC)
        )
    )


async def set_overall_deadline(
    ctx: TransferContext, uow: UnitOfWork, case: RowMapping, start: date, limit: Limit
) -> None:
    """Ruling 1: the overall clock runs from acceptance at the 转入地, in every region that takes part."""
    if limit.value is None:
        return
    deadline = ctx.kit.calendar.deadline_for(start, limit.value, str(limit.unit))
    await uow.session.execute(
        update(case_record)
        .where(case_record.c.id == case["id"])
        .values(deadline=deadline.date, deadline_provisional=deadline.provisional)
    )


async def start_stage(ctx: TransferContext, uow: UnitOfWork, case_no: str, stage: str) -> None:
    """Start a stage clock of the item (once: a document delivered twice does not restart it)."""
    case = await ctx.kit.get(uow.session, case_no)
    item = ctx.kit.item(case["item_key"])
    for definition in item.stages:
        if definition.key == stage:
            started = [c for c in await ctx.kit.stage_clocks(uow.session, case["id"]) if c["stage"] == stage]
            if not started:
                await ctx.kit.start_stage(
                    uow, case_id=case["id"], stage=stage, value=definition.value, unit=str(definition.unit)
                )
            return


async def complete_stage(ctx: TransferContext, uow: UnitOfWork, case_no: str, stage: str) -> None:
    case = await ctx.kit.get(uow.session, case_no)
    await uow.session.execute(
        update(case_stage_clock)
        .where(
            case_stage_clock.c.case_id == case["id"],
            case_stage_clock.c.stage == stage,
            case_stage_clock.c.completed_on.is_(None),
        )
        .values(completed_on=ctx.today())
    )


async def move_case(ctx: TransferContext, uow: UnitOfWork, case_no: str, *actions: CaseAction) -> RowMapping:
    """Take the case through ``actions`` as the transfer system, skipping those it has already passed."""
    case = await ctx.kit.get(uow.session, case_no)
    for action in actions:
        if action is CaseAction.start_review and case["status"] != CaseStatus.accepted:
            continue
        case = await ctx.kit.act(uow, case_no=case_no, action=action, actor=ctx.system)
    return case


async def reject_case(ctx: TransferContext, uow: UnitOfWork, case_no: str, reason: str) -> RowMapping:
    """审核不通过 with the reason, and the one-time notice (一次性告知单, 表 A.1) telling the applicant why."""
    case = await ctx.kit.get(uow.session, case_no)
    if CaseStatus(case["status"]) in (CaseStatus.completed, CaseStatus.not_accepted, CaseStatus.withdrawn):
        return case
    if CaseStatus(case["status"]) in (CaseStatus.submitted, CaseStatus.incomplete):
        action = CaseAction.refuse
    else:
        action = CaseAction.reject
    updated = await ctx.kit.act(uow, case_no=case_no, action=action, actor=ctx.system, reason=reason)
    if action is CaseAction.reject:  # a refusal already got its notice from the case kit
        item = ctx.kit.item(case["item_key"])
        check = MaterialsCheck(present=[], missing=[], missing_keys=[])
        notice = notice_document(item=item, case=case, check=check, reason=reason, actor=ctx.system)
        await add_document(uow, case["id"], "notice", notice)
    return updated
