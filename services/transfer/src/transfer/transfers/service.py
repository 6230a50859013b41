"""Reading transfers for staff and applicants: lists, details with every clock, the overdue list."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from medins.cases.tables import case_record, case_stage_clock
from medins.errors import Conflict, NotFound
from transfer.partner.models import PartnerMessage
from transfer.transfers import store
from transfer.transfers.clocks import ClockView, exceeded_clocks
from transfer.transfers.domain import OPEN_STATUSES, STATUS_ZH, TransferStatus
from transfer.transfers.models import Transfer
from transfer.transfers.schemas import ClockOut, OverdueOut, PartnerMessageOut, TransferDetail, TransferOut


async def find_transfers(
    session: AsyncSession, *, limit: int, offset: int, direction: str | None = None, status: str | None = None
) -> list[Transfer]:
    """Newest first."""
    query = select(Transfer).order_by(Transfer.created_at.desc(), Transfer.id).limit(limit).offset(offset)
    if direction:
        query = query.where(Transfer.direction == direction)
    if status:
        query = query.where(Transfer.status == status)
    return list((await session.scalars(query)).all())


def transfer_out(transfer: Transfer) -> TransferOut:
    out = TransferOut.model_validate(transfer)
    return out.model_copy(update={"status_zh": STATUS_ZH[TransferStatus(transfer.status)]})


async def clocks_of(session: AsyncSession, transfer: Transfer) -> list[ClockView]:
    """Every stage clock of the transfer's case, and its overall clock."""
    return (await clocks_of_many(session, [transfer])).get(transfer.id, [])


async def clocks_of_many(session: AsyncSession, transfers: list[Transfer]) -> dict[uuid.UUID, list[ClockView]]:
    """The clocks of many transfers' cases in two queries (cases, then their stage clocks), by transfer id."""
    by_case = {t.case_no: t for t in transfers if t.case_no is not None}
    if not by_case:
        return {}
    cases = (
        (await session.execute(select(case_record).where(case_record.c.case_no.in_(list(by_case))))).mappings().all()
    )
    stages: dict[Any, list[ClockView]] = {case["id"]: [] for case in cases}
    rows = await session.execute(
        select(case_stage_clock)
        .where(case_stage_clock.c.case_id.in_(list(stages)))
        .order_by(case_stage_clock.c.case_id, case_stage_clock.c.started_on)
    )
    for s in rows.mappings():
        stages[s["case_id"]].append(ClockView(s["stage"], s["started_on"], s["deadline"], s["completed_on"]))
    out: dict[uuid.UUID, list[ClockView]] = {}
    for case in cases:
        transfer = by_case[case["case_no"]]
        views = stages[case["id"]]
        if case["deadline"] is not None:
            done = case["completed_at"].date() if case["completed_at"] is not None else None
            views.append(ClockView("overall", transfer.accepted_on or case["accepted_on"], case["deadline"], done))
        out[transfer.id] = views
    return out


def _clock_out(views: list[ClockView], today_: date) -> list[ClockOut]:
    return [
        ClockOut(
            clock=v.clock,
            started_on=v.started_on,
            deadline=v.deadline,
            completed_on=v.completed_on,
            exceeded=v.exceeded(today_),
        )
        for v in views
    ]


async def detail(session: AsyncSession, transfer: Transfer, today: date) -> TransferDetail:
    views = await clocks_of(session, transfer)
    messages = (
        await session.scalars(
            select(PartnerMessage).where(PartnerMessage.transfer_id == transfer.id).order_by(PartnerMessage.created_at)
        )
    ).all()
    base = transfer_out(transfer).model_dump()
    return TransferDetail(
        **base,
        letter=transfer.letter,
        info_table=transfer.info_table,
        remittance=transfer.remittance,
        mismatch=transfer.mismatch,
        partner_problem=transfer.partner_problem,
        clocks=_clock_out(views, today),
        overdue=bool(exceeded_clocks(views, today)) and transfer.status in OPEN_STATUSES,
        messages=[PartnerMessageOut.model_validate(m) for m in messages],
    )


class MessageNotFound(NotFound):
    code = "partner_message_not_found"
    title = "未找到该文书的发送记录"


class MessageDelivered(Conflict):
    code = "partner_message_delivered"
    title = "该文书已送达对方，无需重新发送"


class TransferTakenBack(Conflict):
    code = "transfer_taken_back"
    title = "该转移接续已收回，文书不再发送"


async def resend(session: AsyncSession, transfer: Transfer, message_id: uuid.UUID) -> PartnerMessage:
    """A refused (or still undelivered) document of the transfer is due again now; the partner's inbox is
    idempotent by number, so a document that did arrive after all is handled once. ``transfer`` is locked."""
    [message] = await store.lock_messages(session, transfer.id, message_id) or [None]
    if message is None:
        raise MessageNotFound(f"转移接续 {transfer.id} 没有编号为 {message_id} 的文书发送记录")
    if message.delivered_at is not None:
        raise MessageDelivered(f"{message.kind} {message.number} 已于 {message.delivered_at:%Y-%m-%d %H:%M} 送达")
    if transfer.rejection_code == "destination_refused" and message.kind != "rejection":
        # taken back here: the table or the funds delivered now would credit the money twice
        raise TransferTakenBack("该转移接续的《信息表》和资金已由本地收回，文书不再发送；如需转移请重新申请")
    message.refused_at, message.next_attempt_at = None, datetime.now(UTC)
    message.last_error = f"resent by staff (was: {message.last_error})"[:2000] if message.last_error else None
    return message


async def overdue(session: AsyncSession, today: date) -> list[OverdueOut]:
    """超期转移接续: open transfers with any stage clock or the overall clock exceeded, all clocks shown."""
    query = select(Transfer).where(Transfer.status.in_([str(s) for s in OPEN_STATUSES])).order_by(Transfer.created_at)
    transfers = list((await session.scalars(query)).all())
    clocks = await clocks_of_many(session, transfers)
    out = []
    for transfer in transfers:
        views = clocks.get(transfer.id, [])
        exceeded = exceeded_clocks(views, today)
        if exceeded:
            base = transfer_out(transfer).model_dump()
            out.append(OverdueOut(**base, clocks=_clock_out(views, today), exceeded=exceeded))
    return out
