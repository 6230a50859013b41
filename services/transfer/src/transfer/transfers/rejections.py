"""不予办理 sent back to the region that asked: the reason travels with the number it answers."""

import uuid
from decimal import Decimal

from medins.db import UnitOfWork
from transfer.context import TransferContext
from transfer.partner.outbox import enqueue
from transfer.transfers.documents import TransferRejection
from transfer.transfers.domain import REJECTION_ZH, RejectionReason
from transfer.transfers.models import Transfer


async def send_rejection(
    uow: UnitOfWork,
    ctx: TransferContext,
    *,
    subject: str,
    number: str,
    to_region: str,
    certno: str,
    name: str,
    reason: RejectionReason,
    detail: str | None,
    transfer_id: uuid.UUID | None,
    returned_amount: Decimal | None = None,
    remittance_no: str | None = None,
) -> TransferRejection:
    rejection = TransferRejection(
        subject=subject,  # type: ignore[arg-type]
        number=number,
        from_region=ctx.region,
        to_region=to_region,
        certno=certno,
        name=name,
        reason=reason,
        detail=detail or REJECTION_ZH[reason],
        rejected_on=ctx.today(),
        returned_amount=returned_amount,
        remittance_no=remittance_no,
    )
    # exclude_none: a 不予办理 of a letter or an application reads as it did before 返还 existed
    jws = ctx.signer.sign_document(rejection.model_dump(mode="json", exclude_none=True))
    await enqueue(
        uow.session, partner=to_region, kind="rejection", number=f"{subject}:{number}", jws=jws, transfer_id=transfer_id
    )
    return rejection


async def refuse_letter(
    uow: UnitOfWork, ctx: TransferContext, transfer: Transfer, reason: RejectionReason, detail: str | None
) -> TransferRejection:
    """转出地: the signed 不予办理 of the 转入地's letter for ``transfer``, through the partner outbox."""
    assert transfer.letter_no is not None
    return await send_rejection(
        uow,
        ctx,
        subject="letter",
        number=transfer.letter_no,
        to_region=transfer.destination_region,
        certno=transfer.certno,
        name=transfer.name,
        reason=reason,
        detail=detail,
        transfer_id=transfer.id,
    )
