"""转入地: the application, the 联系函, the 信息表 and the funds, 基金匹配, and completion."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.engine import RowMapping

from medins.cases.domain import CaseAction, CaseStatus
from medins.cases.service import Applicant
from medins.db import UnitOfWork
from medins.errors import ProblemError
from medins.identity import Principal
from transfer.context import TransferContext
from transfer.events import (
    TransferInCompleted,
    TransferInMatched,
    TransferInMerged,
    TransferInRefused,
    TransferredPeriod,
)
from transfer.events import TransferRejected as TransferRejectedEvent
from transfer.partner.directory import SameRegion, get_partner
from transfer.partner.outbox import enqueue
from transfer.persons.service import require_enrolled_here
from transfer.transfers import returns, store
from transfer.transfers.casework import (
    add_document,
    complete_stage,
    move_case,
    next_sequence,
    reject_case,
    start_stage,
)
from transfer.transfers.clocks import COMPLETION, LETTER, clock_plan
from transfer.transfers.documents import (
    FundRemittance,
    InsuranceInfoTable,
    TransferLetter,
    TransferRejection,
    age_on,
)
from transfer.transfers.domain import (
    TransferAction,
    TransferDirection,
    TransferStatus,
    letter_number,
    rejection_reason,
    rejection_text,
)
from transfer.transfers.forms import info_table_form, letter_form
from transfer.transfers.models import Transfer
from transfer.transfers.remittance import match_remittance

A, INBOUND = TransferAction, TransferDirection.inbound
ITEM = "transfer_in"


class UnknownLetter(ProblemError):
    status = 422
    code = "unknown_letter"
    title = "本统筹区没有出具过该《联系函》"


async def apply(
    uow: UnitOfWork,
    ctx: TransferContext,
    *,
    person: dict[str, Any],
    origin: str,
    channel: str,
    materials: list[str],
    actor: Principal,
) -> tuple[Transfer, RowMapping]:
    """转移接续手续办理 at the 转入地: a partner region, the person enrolled here, no transfer already open."""
    if origin == ctx.region:
        raise SameRegion("转出地与本统筹区相同，无需办理转移接续")
    await get_partner(uow.session, origin)
    await require_enrolled_here(uow.session, person["certno"])
    await store.require_no_open(uow.session, person["certno"], INBOUND)
    return await open_inbound(uow, ctx, person=person, origin=origin, channel=channel, materials=materials, actor=actor)


async def open_inbound(
    uow: UnitOfWork,
    ctx: TransferContext,
    *,
    person: dict[str, Any],
    origin: str,
    channel: str,
    materials: list[str],
    actor: Principal,
    application_no: str | None = None,
) -> tuple[Transfer, RowMapping]:
    """Record the application as a case (受理 at once when the materials are complete) and, once accepted,
    issue the 联系函. ``person`` holds the letter's fields about the person (样表15)."""
    plan = clock_plan(ctx.kit.item(ITEM), origin=origin, destination=ctx.region)
    case = await ctx.kit.submit(
        uow,
        item_key=ITEM,
        applicant=Applicant("person", person["certno"], person["name"]),
        actor=actor,
        channel=channel,
        form=person | {"origin_region": origin},
        materials=materials,
        situations=plan.situations,
    )
    if case["status"] == CaseStatus.submitted:  # online: the system checks the materials as a window would
        case = await ctx.kit.check_at_window(uow, case, ctx.system)
    now = datetime.now(UTC)
    transfer = Transfer(
        id=uuid.uuid4(),
        direction=str(INBOUND),
        certno=person["certno"],
        name=person["name"],
        origin_region=origin,
        destination_region=ctx.region,
        status=str(TransferStatus.submitted),
        created_at=now,
        updated_at=now,
        case_no=case["case_no"],
        certificate_no=person.get("certificate_no"),
        transfer_account=person.get("transfer_account", True),
        application=person,
        application_no=application_no,
        version=1,
    )
    uow.session.add(transfer)
    await uow.session.flush()
    if case["status"] == CaseStatus.accepted:
        await issue_letter(uow, ctx, transfer)
    return transfer, await ctx.kit.get(uow.session, case["case_no"])


async def _acceptor(ctx: TransferContext, uow: UnitOfWork, case: RowMapping) -> str:
    accepted = [t for t in await ctx.kit.transitions(uow.session, case["id"]) if t["action"] == "accept"]
    return str(accepted[-1]["actor_id"]) if accepted else str(ctx.system.name)


async def issue_letter(uow: UnitOfWork, ctx: TransferContext, transfer: Transfer) -> TransferLetter:
    """出具《联系函》 (样表15), signed, into the partner outbox; the 5-day letter stage starts."""
    assert transfer.case_no is not None and transfer.application is not None
    session, person = uow.session, transfer.application
    case = await ctx.kit.get(session, transfer.case_no)
    partner = await get_partner(session, transfer.origin_region)
    today = ctx.today()
    letter = TransferLetter(
        letter_no=letter_number(ctx.region, today.year, await next_sequence(session, "letter", today.year)),
        issued_on=today,
        destination_region=ctx.region,
        origin_region=transfer.origin_region,
        origin_agency_name=partner.name,
        name=transfer.name,
        sex=person["sex"],
        age=age_on(transfer.certno, today),
        phone=person.get("phone"),
        certno=transfer.certno,
        household_type=person["household_type"],
        transfer_account=transfer.transfer_account,
        current_insutype=person["current_insutype"],
        current_insutype_note=person.get("current_insutype_note"),
        destination_agency=ctx.agency,
        handler=await _acceptor(ctx, uow, case),
        accepted_on=case["accepted_on"],
        certificate_no=transfer.certificate_no,
        case_no=case["case_no"],
        application_no=transfer.application_no,
    )
    jws = ctx.signer.sign_document(letter.model_dump(mode="json"))
    transfer.letter_no, transfer.letter, transfer.letter_jws = letter.letter_no, letter.model_dump(mode="json"), jws
    transfer.accepted_on = case["accepted_on"]
    store.move(transfer, A.accept)
    store.move(transfer, A.issue_letter)
    await start_stage(ctx, uow, case["case_no"], LETTER)
    await add_document(uow, case["id"], "letter", letter_form(letter, ctx.region_name))
    await enqueue(
        session,
        partner=transfer.origin_region,
        kind="letter",
        number=letter.letter_no,
        jws=jws,
        transfer_id=transfer.id,
    )
    await move_case(ctx, uow, case["case_no"], CaseAction.start_review)
    return letter


async def letter_delivered(uow: UnitOfWork, ctx: TransferContext, transfer: Transfer) -> None:
    """The 转出地 acknowledged the letter: 联系函已发出, the letter stage is done."""
    if store.can(transfer, A.deliver):
        store.move(transfer, A.deliver)
    assert transfer.case_no is not None
    await complete_stage(ctx, uow, transfer.case_no, LETTER)


async def _ours(uow: UnitOfWork, letter_no: str, origin: str) -> Transfer:
    transfer = await store.by_letter(uow.session, INBOUND, letter_no)
    if transfer is None or transfer.origin_region != origin:
        raise UnknownLetter(f"本统筹区没有向 {origin} 出具编号为 {letter_no} 的《联系函》")
    return transfer


async def receive_table(uow: UnitOfWork, ctx: TransferContext, table: InsuranceInfoTable, jws: str) -> dict[str, Any]:
    """收到《信息表》: the letter evidently arrived; the 5-day completion stage starts; match if the money is here."""
    transfer = await _ours(uow, table.letter_no, table.origin_region)
    store.move(transfer, A.receive_documents)
    transfer.info_table, transfer.info_table_jws = table.model_dump(mode="json"), jws
    assert transfer.case_no is not None
    case = await ctx.kit.get(uow.session, transfer.case_no)
    await complete_stage(ctx, uow, transfer.case_no, LETTER)
    await start_stage(ctx, uow, transfer.case_no, COMPLETION)
    await add_document(uow, case["id"], "info_table", info_table_form(table))
    await try_match(uow, ctx, transfer)
    return {"transfer_status": transfer.status}


async def receive_remittance(
    uow: UnitOfWork, ctx: TransferContext, remittance: FundRemittance, jws: str
) -> dict[str, Any]:
    """收到划转资金 (the remittance advice): kept until the table is here, then matched."""
    transfer = await _ours(uow, remittance.letter_no, remittance.origin_region)
    store.move(transfer, A.receive_documents)
    transfer.remittance, transfer.remittance_jws = remittance.model_dump(mode="json"), jws
    await try_match(uow, ctx, transfer)
    return {"transfer_status": transfer.status}


async def try_match(uow: UnitOfWork, ctx: TransferContext, transfer: Transfer) -> None:
    """基金匹配 once the table (and, if money moved, the remittance) are both here."""
    if transfer.info_table is None or transfer.letter is None:
        return
    table = InsuranceInfoTable.model_validate(transfer.info_table)
    remittance = FundRemittance.model_validate(transfer.remittance) if transfer.remittance else None
    if table.transferred_amount > Decimal("0.00") and remittance is None:
        return  # the money is still on its way
    result = match_remittance(TransferLetter.model_validate(transfer.letter), table, remittance)
    if not result.matched:
        store.move(transfer, A.mismatch)
        transfer.mismatch = result.problems
        return
    store.move(transfer, A.match)
    transfer.amount, transfer.mismatch = table.transferred_amount, None
    uow.publish(
        TransferInMatched(
            transfer_id=transfer.id,
            letter_no=table.letter_no,
            certno=table.certno,
            name=table.name,
            origin_region=table.origin_region,
            amount=table.transferred_amount,
            periods=[TransferredPeriod(**row.model_dump()) for row in table.periods],
            region=ctx.region,
        )
    )


async def merged(uow: UnitOfWork, ctx: TransferContext, event: TransferInMerged) -> None:
    """Registration continued the periods and credited the money: 办结, and the applicant is told."""
    transfer = await store.get(uow.session, event.transfer_id, for_update=True)
    if transfer.status != TransferStatus.merging:
        return
    store.move(transfer, A.complete)
    assert transfer.case_no is not None and transfer.completed_at is not None
    await complete_stage(ctx, uow, transfer.case_no, COMPLETION)
    await move_case(ctx, uow, transfer.case_no, CaseAction.start_review, CaseAction.approve)
    uow.publish(
        TransferInCompleted(
            transfer_id=transfer.id,
            case_no=transfer.case_no,
            letter_no=event.letter_no,
            certno=transfer.certno,
            origin_region=transfer.origin_region,
            amount=event.amount_credited,
            completed_at=transfer.completed_at,
            region=ctx.region,
        )
    )


async def merge_refused(uow: UnitOfWork, ctx: TransferContext, event: TransferInRefused) -> None:
    """Registration could not continue the person here (not, or no longer, enrolled; no 职工医保 for the money):
    审核不通过, the applicant told why, and the 信息表 and the funds sent back to the 转出地 (返还)."""
    transfer = await store.get(uow.session, event.transfer_id, for_update=True)
    if transfer.status != TransferStatus.merging:
        return
    store.move(transfer, A.merge_refused)
    await returns.send_back(uow, ctx, transfer, reason=rejection_reason(event.reason), detail=event.detail)


async def rejected(uow: UnitOfWork, ctx: TransferContext, rejection: TransferRejection) -> dict[str, Any]:
    """The 转出地 will not transfer the person: 不予办理 with its reason, as a one-time notice to the applicant."""
    transfer = await _ours(uow, rejection.number, rejection.from_region)
    store.move(transfer, A.reject)
    transfer.rejection_code, transfer.rejection_detail = str(rejection.reason), rejection.detail
    assert transfer.case_no is not None
    await complete_stage(ctx, uow, transfer.case_no, LETTER)
    await reject_case(ctx, uow, transfer.case_no, rejection_text(rejection.reason, rejection.detail))
    uow.publish(
        TransferRejectedEvent(
            transfer_id=transfer.id,
            direction=transfer.direction,
            case_no=transfer.case_no,
            certno=transfer.certno,
            reason=str(rejection.reason),
            detail=rejection.detail,
            region=ctx.region,
        )
    )
    return {"transfer_status": transfer.status}
