"""转出地: an application made here (forwarded), the 联系函 in, registration's debit, the 信息表 and the funds out."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from medins.cases.domain import CaseAction, CaseStatus
from medins.cases.service import Applicant
from medins.db import UnitOfWork
from medins.identity import Principal
from transfer.context import TransferContext
from transfer.events import TransferOutCompleted, TransferOutPrepared, TransferOutRefused, TransferOutRequested
from transfer.events import TransferRejected as TransferRejectedEvent
from transfer.partner.models import PartnerMessage
from transfer.partner.outbox import enqueue
from transfer.transfers import store
from transfer.transfers.casework import (
    add_document,
    complete_stage,
    move_case,
    next_sequence,
    reject_case,
    set_overall_deadline,
    start_stage,
)
from transfer.transfers.clocks import INFO_TABLE, clock_plan
from transfer.transfers.documents import (
    FundRemittance,
    InsuranceInfoTable,
    InsuredPeriodRow,
    TransferLetter,
)
from transfer.transfers.domain import (
    RejectionReason,
    TransferAction,
    TransferDirection,
    TransferStatus,
    document_number,
    rejection_reason,
    rejection_text,
)
from transfer.transfers.forms import info_table_form, letter_form
from transfer.transfers.models import IssuedCertificate, Transfer
from transfer.transfers.rejections import refuse_letter

A, OUTBOUND = TransferAction, TransferDirection.outbound
ITEM = "transfer_out"


def _region_name(ctx: TransferContext, admdvs: str) -> str:
    try:
        return ctx.kit.catalog.region(admdvs).name
    except Exception:  # a partner region the catalogue has no profile of
        return admdvs


async def new_case(
    uow: UnitOfWork, ctx: TransferContext, *, certno: str, name: str, destination: str, actor: Principal, **kw: Any
) -> RowMapping:
    plan = clock_plan(ctx.kit.item(ITEM), origin=ctx.region, destination=destination)
    case = await ctx.kit.submit(
        uow,
        item_key=ITEM,
        applicant=Applicant("person", certno, name),
        actor=actor,
        situations=plan.situations,
        **kw,
    )
    if case["status"] == CaseStatus.submitted:
        case = await ctx.kit.check_at_window(uow, case, ctx.system)
    return case


async def _check_letter(uow: UnitOfWork, letter: TransferLetter, transfer: Transfer | None) -> RejectionReason | None:
    """What this agency can tell on its own: the cited 参保凭证 is the person's; no transfer out already."""
    if letter.certificate_no:
        certificate = await uow.session.get(IssuedCertificate, letter.certificate_no)
        if certificate is not None and certificate.certno != letter.certno:
            return RejectionReason.certno_mismatch
        if certificate is not None and certificate.body.get("name") != letter.name:
            return RejectionReason.name_mismatch
    if transfer is None:
        if await store.completed_outbound(uow.session, letter.certno) is not None:
            return RejectionReason.already_transferred
        if await store.open_transfers(uow.session, letter.certno, OUTBOUND):
            return RejectionReason.transfer_in_progress
    return None


async def receive_letter(uow: UnitOfWork, ctx: TransferContext, letter: TransferLetter, jws: str) -> dict[str, Any]:
    """收到《联系函》: the 10-day stage starts; registration is asked to check the person and debit the account."""
    transfer = None
    if letter.application_no:
        transfer = await uow.session.scalar(
            select(Transfer).where(Transfer.case_no == letter.application_no, Transfer.direction == str(OUTBOUND))
        )
    reason = await _check_letter(uow, letter, transfer)
    if transfer is None:
        case = await new_case(
            uow,
            ctx,
            certno=letter.certno,
            name=letter.name,
            destination=letter.destination_region,
            actor=ctx.system,
            channel="partner",  # the 转入地 checked the identity; the letter is the application here
            form={"certno": letter.certno, "name": letter.name, "sex": letter.sex, "phone": letter.phone},
            materials=["id_document"],
        )
        now = datetime.now(UTC)
        transfer = Transfer(
            id=uuid.uuid4(),
            direction=str(OUTBOUND),
            certno=letter.certno,
            name=letter.name,
            origin_region=ctx.region,
            destination_region=letter.destination_region,
            status=str(TransferStatus.letter_received),
            created_at=now,
            updated_at=now,
            case_no=case["case_no"],
            version=1,
        )
        uow.session.add(transfer)
    else:
        store.move(transfer, A.receive_letter)
    transfer.letter_no, transfer.letter, transfer.letter_jws = letter.letter_no, letter.model_dump(mode="json"), jws
    transfer.transfer_account, transfer.accepted_on = letter.transfer_account, letter.accepted_on
    transfer.certificate_no = transfer.certificate_no or letter.certificate_no
    await uow.session.flush()
    assert transfer.case_no is not None
    case = await ctx.kit.get(uow.session, transfer.case_no)
    plan = clock_plan(ctx.kit.item(ITEM), origin=ctx.region, destination=letter.destination_region)
    await set_overall_deadline(ctx, uow, case, letter.accepted_on, plan.overall)
    await start_stage(ctx, uow, transfer.case_no, INFO_TABLE)
    await add_document(uow, case["id"], "letter", letter_form(letter, _region_name(ctx, letter.destination_region)))
    await move_case(ctx, uow, transfer.case_no, CaseAction.start_review)
    if reason is not None:
        await reject(uow, ctx, transfer, reason, None)
    else:
        uow.publish(
            TransferOutRequested(
                transfer_id=transfer.id,
                letter_no=letter.letter_no,
                certno=letter.certno,
                name=letter.name,
                destination_region=letter.destination_region,
                transfer_account=letter.transfer_account,
                region=ctx.region,
            )
        )
    return {"transfer_status": transfer.status}


async def prepared(uow: UnitOfWork, ctx: TransferContext, event: TransferOutPrepared) -> None:
    """Registration debited the account: 出具《信息表》 (样表16) and remit the balance, both signed, both queued."""
    transfer = await store.get(uow.session, event.transfer_id, for_update=True)
    if transfer.status != TransferStatus.letter_received or transfer.letter is None:
        return
    letter = TransferLetter.model_validate(transfer.letter)
    today, amount = ctx.today(), event.amount_debited
    remittance = None
    if amount > Decimal("0.00"):
        sequence = await next_sequence(uow.session, "remittance", today.year)
        destination = letter.destination_agency
        remittance = FundRemittance(
            remittance_no=document_number(ctx.region, today.year, sequence, width=7),
            letter_no=letter.letter_no,
            certno=letter.certno,
            name=letter.name,
            amount=amount,
            remitted_on=today,
            origin_region=ctx.region,
            destination_region=letter.destination_region,
            payer_account_name=ctx.agency.account_name,
            payer_bank_name=ctx.agency.bank_name,
            payer_account_no=ctx.agency.account_no,
            payee_account_name=destination.account_name,
            payee_bank_name=destination.bank_name,
            payee_account_no=destination.account_no,
        )
    table = InsuranceInfoTable(
        letter_no=letter.letter_no,
        issued_on=today,
        origin_region=ctx.region,
        destination_region=letter.destination_region,
        name=letter.name,
        certno=letter.certno,
        sex=event.sex if event.sex in ("1", "2") else letter.sex,  # type: ignore[arg-type]
        periods=[
            InsuredPeriodRow(
                start_month=p.start_month,
                end_month=p.end_month,
                insutype=p.insutype if p.insutype in ("310", "390") else "other",  # type: ignore[arg-type]
                months=p.months,
                agency_name=p.agency_name or (ctx.agency.name if p.admdvs == ctx.region else p.admdvs),
                admdvs=p.admdvs,
                remark=p.remark,
            )
            for p in event.periods
        ],
        transferred_amount=amount,
        remittance_no=remittance.remittance_no if remittance else None,
        handler=str(ctx.system.name),
        phone=ctx.agency.phone,
        agency_name=ctx.agency.name,
    )
    transfer.info_table = table.model_dump(mode="json")
    transfer.info_table_jws = ctx.signer.sign_document(transfer.info_table)
    await enqueue(
        uow.session,
        partner=letter.destination_region,
        kind="info_table",
        number=letter.letter_no,
        jws=transfer.info_table_jws,
        transfer_id=transfer.id,
    )
    if remittance is not None:
        transfer.remittance = remittance.model_dump(mode="json")
        transfer.remittance_jws = ctx.signer.sign_document(transfer.remittance)
        await enqueue(
            uow.session,
            partner=letter.destination_region,
            kind="remittance",
            number=remittance.remittance_no,
            jws=transfer.remittance_jws,
            transfer_id=transfer.id,
        )
    transfer.amount = amount
    store.move(transfer, A.prepare)
    assert transfer.case_no is not None
    case = await ctx.kit.get(uow.session, transfer.case_no)
    await add_document(uow, case["id"], "info_table", info_table_form(table))


async def refused(uow: UnitOfWork, ctx: TransferContext, event: TransferOutRefused) -> None:
    transfer = await store.get(uow.session, event.transfer_id, for_update=True)
    if transfer.status != TransferStatus.letter_received:
        return
    await reject(uow, ctx, transfer, rejection_reason(event.reason), event.detail)


async def reject(
    uow: UnitOfWork, ctx: TransferContext, transfer: Transfer, reason: RejectionReason, detail: str | None
) -> None:
    """不予办理: the applicant's notice here, the reason back to the 转入地 against its letter."""
    store.move(transfer, A.reject)
    transfer.rejection_code, transfer.rejection_detail = str(reason), detail
    assert transfer.case_no is not None and transfer.letter_no is not None
    await complete_stage(ctx, uow, transfer.case_no, INFO_TABLE)
    await reject_case(ctx, uow, transfer.case_no, rejection_text(reason, detail))
    await refuse_letter(uow, ctx, transfer, reason, detail)
    uow.publish(
        TransferRejectedEvent(
            transfer_id=transfer.id,
            direction=transfer.direction,
            case_no=transfer.case_no,
            certno=transfer.certno,
            reason=str(reason),
            detail=detail or rejection_text(reason),
            region=ctx.region,
        )
    )


async def documents_delivered(uow: UnitOfWork, ctx: TransferContext, transfer: Transfer, just: PartnerMessage) -> None:
    """The 转入地 acknowledged the table and the funds: the 10-day stage is done and the case here 办结."""
    if transfer.status != TransferStatus.table_issued:
        return
    query = select(PartnerMessage.kind).where(
        PartnerMessage.transfer_id == transfer.id, PartnerMessage.delivered_at.is_not(None)
    )
    delivered = set((await uow.session.scalars(query)).all()) | {just.kind}
    needed = {"info_table"} | ({"remittance"} if transfer.remittance else set())
    if not needed <= delivered:
        return
    store.move(transfer, A.deliver)
    assert transfer.case_no is not None and transfer.completed_at is not None and transfer.letter_no is not None
    await complete_stage(ctx, uow, transfer.case_no, INFO_TABLE)
    await move_case(ctx, uow, transfer.case_no, CaseAction.start_review, CaseAction.approve)
    uow.publish(
        TransferOutCompleted(
            transfer_id=transfer.id,
            case_no=transfer.case_no,
            letter_no=transfer.letter_no,
            certno=transfer.certno,
            destination_region=transfer.destination_region,
            amount=transfer.amount or Decimal("0.00"),
            completed_at=transfer.completed_at,
            region=ctx.region,
        )
    )
