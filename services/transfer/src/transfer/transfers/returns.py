"""退回与返还: the 转入地 refuses a person after the 转出地 debited the account and ended the enrolment.

- 转入地 (``send_back``): registration here would not continue the person (not enrolled here, no 职工医保 for
  the money), or staff refuse a table that does not match its funds. The 信息表 and the money go back: a
  signed 不予办理 of subject ``info_table`` (number = the 联系函 number, so it is handled once), with the amount
  received; the applicant gets the one-time notice; the transfer ends ``sent_back``.
- 转出地 (``returned_by_destination``): the refusal arrives through the partner API; the transfer goes
  ``returning``, the case gets the refusal as a document, and ``transfer.outbound.returned.v1`` asks
  registration to credit the debited amount back (返还) and restore the enrolment.
- 转出地 (``take_back``): the 转入地's partner API refused the 信息表 itself (4xx: it no longer knows the letter, or no
  longer trusts this region), so nothing arrived there and no signed refusal will come. Staff (审核) take the table
  and the money back: the documents still undelivered stop, the case ends with the reason as its one-time notice,
  registration is asked for the same 返还 as above, and the 转入地 gets a signed 不予办理 of its letter so that its
  own transfer ends too. Not once anything of the transfer was delivered there.
- 转出地 (``reverted``): registration answers ``registration.transfer_out.reverted.v1``: ``returned``, the
  amount returned recorded beside the amount debited, the read model of the enrolment and balance updated.

Money: what the 转出地 debited is either credited at the 转入地 (completed) or credited back here (returned).
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from medins.db import UnitOfWork
from medins.errors import ProblemError
from medins.identity import Principal
from transfer.context import TransferContext
from transfer.events import TransferOutReturned, TransferOutReverted
from transfer.events import TransferRejected as TransferRejectedEvent
from transfer.persons.service import record_enrolment
from transfer.transfers import store
from transfer.transfers.casework import add_document, complete_stage, reject_case
from transfer.transfers.clocks import COMPLETION, INFO_TABLE
from transfer.transfers.documents import FundRemittance, TransferRejection
from transfer.transfers.domain import (
    REJECTION_ZH,
    RejectionReason,
    TransferAction,
    TransferDirection,
    TransferStatus,
    rejection_text,
)
from transfer.transfers.models import Transfer
from transfer.transfers.rejections import refuse_letter, send_rejection

A = TransferAction
ZERO = Decimal("0.00")


class UnknownTransferOut(ProblemError):
    status = 422
    code = "unknown_transfer_out"
    title = "本统筹区没有转出到该地区的这笔转移接续"


class ReturnAmountMismatch(ProblemError):
    status = 422
    code = "return_amount_mismatch"
    title = "退回金额与转出金额不一致"


class TakeBackNotAllowed(ProblemError):
    status = 409
    code = "take_back_not_allowed"
    title = "不能收回这笔转移接续的信息表和资金"


def _return_form(transfer: Transfer, rejection: TransferRejection, amount: Decimal) -> dict[str, Any]:
    """退回通知: the 转入地's refusal of the 信息表 as the 转出地's case shows it."""
    fields = [
        ("letter_no", "所复《联系函》编号", rejection.number),
        ("from_region", "转入地医保区划", rejection.from_region),
        ("name", "参保人员姓名", rejection.name),
        ("reason", "不予接续原因", rejection_text(rejection.reason, rejection.detail)),
        ("returned_amount", "退回个人账户资金（小写）￥", f"{amount:.2f}"),
        ("remittance_no", "资金划转流水号", rejection.remittance_no or ""),
    ]
    title = "基本医疗保险关系转移接续退回通知（转入地不予接续）"
    return _notice("退回通知", title, fields, agency=transfer.destination_region, on=rejection.rejected_on)


def _notice(form: str, title: str, fields: list[tuple[str, str, str]], *, agency: str, on: Any) -> dict[str, Any]:
    """A notice kept with the 转出地's case (JSON and PDF, as every case document)."""
    return {
        "form": form,
        "title": title,
        "fields": [{"key": k, "label": label, "value": value} for k, label, value in fields],
        "fixed_keys": [],
        "agency": agency,
        "date": str(on),
    }


def _take_back_form(transfer: Transfer, why: str, amount: Decimal, today: Any) -> dict[str, Any]:
    fields = [
        ("letter_no", "所复《联系函》编号", transfer.letter_no or ""),
        ("to_region", "转入地医保区划", transfer.destination_region),
        ("name", "参保人员姓名", transfer.name),
        ("reason", "收回原因", why),
        ("returned_amount", "退回个人账户资金（小写）￥", f"{amount:.2f}"),
    ]
    title = "基本医疗保险关系转移接续收回通知（转入地拒收信息表）"
    return _notice("收回通知", title, fields, agency=transfer.origin_region, on=today)


async def send_back(
    uow: UnitOfWork,
    ctx: TransferContext,
    transfer: Transfer,
    *,
    reason: RejectionReason,
    detail: str | None,
    actor: Principal | None = None,
) -> None:
    """转入地: refuse the 信息表 and send the funds back to the 转出地 (signed, through the partner outbox)."""
    store.move(transfer, A.send_back)
    transfer.rejection_code, transfer.rejection_detail = str(reason), detail or REJECTION_ZH[reason]
    remittance = FundRemittance.model_validate(transfer.remittance) if transfer.remittance else None
    amount = remittance.amount if remittance is not None else ZERO
    transfer.returned_amount, transfer.returned_at = amount, datetime.now(UTC)
    assert transfer.case_no is not None and transfer.letter_no is not None
    await complete_stage(ctx, uow, transfer.case_no, COMPLETION)
    await reject_case(ctx, uow, transfer.case_no, rejection_text(reason, detail))
    await send_rejection(
        uow,
        ctx,
        subject="info_table",
        number=transfer.letter_no,
        to_region=transfer.origin_region,
        certno=transfer.certno,
        name=transfer.name,
        reason=reason,
        detail=detail,
        transfer_id=transfer.id,
        returned_amount=amount,
        remittance_no=remittance.remittance_no if remittance else None,
    )
    uow.publish(
        TransferRejectedEvent(
            transfer_id=transfer.id,
            direction=transfer.direction,
            case_no=transfer.case_no,
            certno=transfer.certno,
            reason=str(reason),
            detail=detail or REJECTION_ZH[reason],
            region=ctx.region,
        )
    )


async def returned_by_destination(
    uow: UnitOfWork, ctx: TransferContext, rejection: TransferRejection
) -> dict[str, Any]:
    """转出地: the 转入地 sent the 信息表 and the funds back; registration is asked to credit them back."""
    transfer = await store.by_letter(uow.session, TransferDirection.outbound, rejection.number)
    if transfer is None or transfer.destination_region != rejection.from_region:
        raise UnknownTransferOut(f"本统筹区没有按编号为 {rejection.number} 的《联系函》转出到 {rejection.from_region}")
    debited = transfer.amount or ZERO
    if rejection.returned_amount is not None and rejection.returned_amount != debited:
        raise ReturnAmountMismatch(
            f"退回金额 {rejection.returned_amount:.2f} 元与本统筹区转出的 {debited:.2f} 元不一致，请人工核对"
        )
    store.move(transfer, A.receive_return)
    transfer.rejection_code, transfer.rejection_detail = str(rejection.reason), rejection.detail
    assert transfer.case_no is not None and transfer.letter_no is not None
    case = await ctx.kit.get(uow.session, transfer.case_no)
    await add_document(uow, case["id"], "return", _return_form(transfer, rejection, debited))
    _ask_for_the_money_back(uow, ctx, transfer, debited, rejection.reason, rejection.detail)
    return {"transfer_status": transfer.status}


async def take_back(uow: UnitOfWork, ctx: TransferContext, transfer: Transfer, *, detail: str) -> None:
    """转出地: the 转入地 refused the 信息表 at its partner API; staff take the table and the funds back (返还 here)."""
    if transfer.direction != TransferDirection.outbound:
        raise TakeBackNotAllowed("只有转出地可以收回《信息表》和划转资金")
    messages = await store.lock_messages(uow.session, transfer.id)
    if any(m.delivered_at is not None for m in messages if m.kind in ("info_table", "remittance")):
        raise TakeBackNotAllowed("《信息表》或划转资金已送达转入地，不能在本地收回；请由转入地按不予接续退回")
    if not any(m.refused_at is not None for m in messages if m.kind == "info_table"):
        raise TakeBackNotAllowed("《信息表》未被转入地拒收，不能收回；尚未送达的正在重试，也可重新发送")
    store.move(transfer, A.take_back)
    now = datetime.now(UTC)
    for message in messages:
        if message.delivered_at is None and message.refused_at is None:  # the remittance, still being retried
            message.refused_at, message.last_error = now, "taken back by staff (信息表 refused by the partner)"
    table = next(m for m in messages if m.kind == "info_table" and m.refused_at is not None)
    problem = table.response or {}
    answer = problem.get("detail") or problem.get("title") or f"HTTP {table.response_status}"
    why = f"{REJECTION_ZH[RejectionReason.destination_refused]}（{answer}）：{detail}"
    transfer.rejection_code, transfer.rejection_detail = str(RejectionReason.destination_refused), why
    debited = transfer.amount or ZERO
    assert transfer.case_no is not None and transfer.letter_no is not None
    case = await ctx.kit.get(uow.session, transfer.case_no)
    await add_document(uow, case["id"], "return", _take_back_form(transfer, why, debited, ctx.today()))
    await complete_stage(ctx, uow, transfer.case_no, INFO_TABLE)
    await reject_case(
        ctx, uow, transfer.case_no, f"{transfer.rejection_detail}。个人账户资金 {debited:.2f} 元退回原账户"
    )
    # the 转入地 is told too (its own transfer would wait for the table for ever): a signed 不予办理 of the letter,
    # as any 转出地 sends; reason "other", which every version of a partner reads. Refused while it still
    # distrusts this region, it can be resent by staff once the cause is put right.
    await refuse_letter(
        uow, ctx, transfer, RejectionReason.other, f"转出地已收回《信息表》和划转资金，本次转移接续终止（{why}）"
    )
    _ask_for_the_money_back(uow, ctx, transfer, debited, RejectionReason.destination_refused, why)


def _ask_for_the_money_back(
    uow: UnitOfWork, ctx: TransferContext, transfer: Transfer, amount: Decimal, reason: RejectionReason, detail: str
) -> None:
    """``transfer.outbound.returned.v1``: registration credits ``amount`` back and restores the enrolment (返还)."""
    assert transfer.letter_no is not None
    uow.publish(
        TransferOutReturned(
            transfer_id=transfer.id,
            letter_no=transfer.letter_no,
            certno=transfer.certno,
            amount=amount,
            reason=str(reason),
            detail=detail,
            region=ctx.region,
        )
    )


async def reverted(uow: UnitOfWork, ctx: TransferContext, event: TransferOutReverted) -> None:
    """Registration credited the money back and restored the enrolment: the transfer is ``returned``."""
    transfer = await store.get(uow.session, event.transfer_id, for_update=True)
    if transfer.status != TransferStatus.returning:
        return
    store.move(transfer, A.restore)
    transfer.returned_amount, transfer.returned_at = event.amount_credited, datetime.now(UTC)
    if event.restored:
        await record_enrolment(
            uow.session,
            certno=event.certno,
            insutype=event.insutype,
            psn_no=event.psn_no,
            name=event.name,
            status=event.status,
            as_of=datetime.now(UTC),
            stopped_on=event.stopped_on,
            stop_reason=event.stop_reason,
        )
