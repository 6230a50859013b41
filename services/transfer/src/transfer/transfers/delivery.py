"""What happens here when a partner answers our documents, when registration answers, and the sweep that
carries on transfers whose case was accepted through the generic case routes."""

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medins.bus.consumer import Handler
from medins.bus.envelope import Envelope
from medins.cases.domain import CaseStatus
from medins.cases.tables import case_record
from medins.db import UnitOfWork
from medins.errors import Conflict
from transfer.context import TransferContext
from transfer.events import (
    TransferInMerged,
    TransferInRefused,
    TransferOutPrepared,
    TransferOutRefused,
    TransferOutReverted,
)
from transfer.partner.models import PartnerMessage
from transfer.transfers import applications, inbound, outbound, returns, store
from transfer.transfers.documents import TransferRejection
from transfer.transfers.domain import RejectionReason, TransferAction, TransferDirection, TransferStatus
from transfer.transfers.models import Transfer
from transfer.uow import SessionUnitOfWork

log = logging.getLogger("transfer.delivery")


def _uow(ctx: TransferContext, session: AsyncSession, causation: Envelope | None = None) -> SessionUnitOfWork:
    return SessionUnitOfWork(session, source="transfer", region=ctx.region, causation=causation)


async def dispatch(uow: UnitOfWork, ctx: TransferContext, document: Any, jws: str) -> dict[str, Any]:
    """The use case for each kind of document a partner sends."""
    match document.kind:
        case "letter":
            return await outbound.receive_letter(uow, ctx, document, jws)
        case "info_table":
            return await inbound.receive_table(uow, ctx, document, jws)
        case "remittance":
            return await inbound.receive_remittance(uow, ctx, document, jws)
        case "application":
            return await applications.receive_application(uow, ctx, document, jws)
        case "rejection":
            assert isinstance(document, TransferRejection)
            if document.subject == "application":
                return await applications.application_rejected(uow, ctx, document)
            if document.subject == "info_table":
                return await returns.returned_by_destination(uow, ctx, document)
            return await inbound.rejected(uow, ctx, document)
    raise ValueError(document.kind)


def partner_hooks(ctx: TransferContext) -> tuple[Any, Any]:
    """(on_delivered, on_refused) for the partner sender."""

    async def on_delivered(session: AsyncSession, message: PartnerMessage) -> None:
        if message.transfer_id is None:
            return
        uow = _uow(ctx, session)
        transfer = await store.get(session, message.transfer_id, for_update=True)
        if message.kind == "letter":
            await inbound.letter_delivered(uow, ctx, transfer)
        elif message.kind in ("info_table", "remittance"):
            await outbound.documents_delivered(uow, ctx, transfer, message)
        await uow.commit()

    async def on_refused(session: AsyncSession, message: PartnerMessage) -> None:
        if message.transfer_id is None:
            return
        transfer = await store.get(session, message.transfer_id, for_update=True)
        transfer.partner_problem = {
            "kind": message.kind,
            "number": message.number,
            "status": message.response_status,
            "problem": message.response,
        }

    return on_delivered, on_refused


def saga_handlers(ctx: TransferContext) -> dict[str, Handler]:
    """Registration's answers in the transfer saga."""

    def handler(model: Any, use_case: Any) -> Handler:
        async def handle(session: AsyncSession, envelope: Envelope) -> None:
            uow = _uow(ctx, session, envelope)
            await use_case(uow, ctx, model.model_validate(envelope.data))
            await uow.commit()

        return handle

    return {
        TransferOutPrepared.event_type: handler(TransferOutPrepared, outbound.prepared),
        TransferOutRefused.event_type: handler(TransferOutRefused, outbound.refused),
        TransferInMerged.event_type: handler(TransferInMerged, inbound.merged),
        TransferInRefused.event_type: handler(TransferInRefused, inbound.merge_refused),
        TransferOutReverted.event_type: handler(TransferOutReverted, returns.reverted),
    }


async def sweep(sessionmaker: async_sessionmaker[AsyncSession], ctx: TransferContext) -> None:
    """Transfers waiting for their case: accepted later at the window → go on; refused or withdrawn → end."""
    async with sessionmaker() as session, session.begin():
        query = (
            select(Transfer, case_record.c.status)
            .join(case_record, case_record.c.case_no == Transfer.case_no)
            .where(Transfer.status == str(TransferStatus.submitted))
            .limit(50)
            .with_for_update(of=Transfer, skip_locked=True)
        )
        for transfer, case_status in (await session.execute(query)).all():
            try:
                async with session.begin_nested():
                    uow = _uow(ctx, session)
                    if case_status in (CaseStatus.accepted, CaseStatus.in_review):
                        if transfer.direction == TransferDirection.inbound:
                            await inbound.issue_letter(uow, ctx, transfer)
                        else:
                            await applications.forward_application(uow, ctx, transfer)
                    elif case_status in (CaseStatus.not_accepted, CaseStatus.withdrawn, CaseStatus.completed):
                        store.move(transfer, TransferAction.reject)
                        transfer.rejection_code = str(RejectionReason.not_accepted)
                    await uow.commit()
            except Exception:
                log.exception("transfer %s: carrying on after its case was accepted failed", transfer.id)


class TransferNotFinished(Conflict):
    code = "transfer_not_finished"
    title = "转移接续尚未完成，不能办结"


def completion_guard(ctx: TransferContext) -> Any:
    """The case of a transfer is completed by the transfer itself (documents and money), not by hand early."""

    async def guard(uow: UnitOfWork, case: RowMapping) -> dict[str, Any]:
        transfer = await uow.session.scalar(select(Transfer).where(Transfer.case_no == case["case_no"]))
        if transfer is None or transfer.status != TransferStatus.completed:
            raise TransferNotFinished("转移接续的文书和资金尚未办理完毕，不能手工办结")
        amount = transfer.amount if transfer.amount is not None else None
        return {
            "letter_no": transfer.letter_no,
            "origin_region": transfer.origin_region,
            "destination_region": transfer.destination_region,
            "amount": None if amount is None else f"{amount:.2f}",
        }

    return guard
