"""Finding transfers; changing their status only through the state machine."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from medins.errors import Conflict, NotFound
from transfer.partner.models import PartnerMessage
from transfer.transfers.domain import (
    OPEN_STATUSES,
    TransferAction,
    TransferDirection,
    TransferStatus,
    next_transfer_status,
)
from transfer.transfers.models import Transfer


class TransferNotFound(NotFound):
    code = "transfer_not_found"
    title = "未找到转移接续记录"


class TransferInProgress(Conflict):
    code = "transfer_in_progress"
    title = "已有正在办理的转移接续"


def move(transfer: Transfer, action: TransferAction) -> None:
    """Apply ``action``; a move the transfer's state does not allow is a 409 and changes nothing."""
    target = next_transfer_status(TransferDirection(transfer.direction), TransferStatus(transfer.status), action)
    transfer.status = str(target)
    transfer.updated_at = datetime.now(UTC)
    transfer.version += 1
    if target is TransferStatus.completed:
        transfer.completed_at = transfer.updated_at


def can(transfer: Transfer, action: TransferAction) -> bool:
    try:
        next_transfer_status(TransferDirection(transfer.direction), TransferStatus(transfer.status), action)
    except Conflict:
        return False
    return True


async def get(session: AsyncSession, transfer_id: uuid.UUID, *, for_update: bool = False) -> Transfer:
    query = select(Transfer).where(Transfer.id == transfer_id)
    if for_update:
        query = query.with_for_update()
    transfer = await session.scalar(query.execution_options(populate_existing=True))
    if transfer is None:
        raise TransferNotFound(f"未找到转移接续记录 {transfer_id}")
    return transfer


async def by_letter(session: AsyncSession, direction: TransferDirection, letter_no: str) -> Transfer | None:
    query = select(Transfer).where(Transfer.direction == str(direction), Transfer.letter_no == letter_no)
    return await session.scalar(query.with_for_update().execution_options(populate_existing=True))


async def open_transfers(session: AsyncSession, certno: str, direction: TransferDirection) -> list[Transfer]:
    query = select(Transfer).where(
        Transfer.certno == certno,
        Transfer.direction == str(direction),
        Transfer.status.in_([str(s) for s in OPEN_STATUSES]),
    )
    return list((await session.scalars(query.with_for_update())).all())


async def completed_outbound(session: AsyncSession, certno: str) -> Transfer | None:
    query = select(Transfer).where(
        Transfer.certno == certno,
        Transfer.direction == str(TransferDirection.outbound),
        Transfer.status == str(TransferStatus.completed),
    )
    return await session.scalar(query.limit(1))


async def require_no_open(session: AsyncSession, certno: str, direction: TransferDirection) -> None:
    if await open_transfers(session, certno, direction):
        raise TransferInProgress("该参保人员已有正在办理的转移接续，请勿重复申请")


class MessageBeingSent(Conflict):
    code = "partner_message_sending"
    title = "该文书正在发送，请稍后再试"


async def lock_messages(
    session: AsyncSession, transfer_id: uuid.UUID, message_id: uuid.UUID | None = None
) -> list[PartnerMessage]:
    """The transfer's documents on their way to partners (or one of them), locked for a change by staff.

    The partner sender holds a document's lock while it posts it and then locks the transfer to record the
    answer; staff hold the transfer first. So staff do not wait for a document the sender holds (that order
    would deadlock): 409 ``partner_message_sending``, try again in a moment."""
    query = select(PartnerMessage).where(PartnerMessage.transfer_id == transfer_id)
    if message_id is not None:
        query = query.where(PartnerMessage.id == message_id)
    try:
        found = await session.scalars(
            query.order_by(PartnerMessage.id).with_for_update(nowait=True).execution_options(populate_existing=True)
        )
        return list(found.all())
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise MessageBeingSent("该转移接续的文书正在发送给对方，请稍后再试") from exc
        raise
