"""转出地申请: a transfer applied for at the 转出地 (Shandong: 在转入地或转出地任意一方提出转移申请均可办理).

The 转出地 accepts, issues the 《参保凭证》 and forwards the application; the 转入地 checks the person is
enrolled there and issues the 《联系函》 as if the person had applied there, or sends back why not.
"""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from medins.cases.domain import CaseAction, CaseStatus
from medins.cases.materials import accepted_keys
from medins.db import UnitOfWork
from medins.errors import ProblemError
from medins.identity import Principal
from transfer.context import TransferContext
from transfer.events import TransferRejected as TransferRejectedEvent
from transfer.partner.directory import SameRegion, get_partner
from transfer.partner.outbox import enqueue
from transfer.persons.service import NotEnrolledHere, require_enrolled_here, stopped_enrolment
from transfer.transfers import store
from transfer.transfers.casework import move_case, reject_case
from transfer.transfers.certificates import issue_certificate
from transfer.transfers.documents import TransferApplication, TransferRejection
from transfer.transfers.domain import RejectionReason, TransferAction, TransferDirection, TransferStatus, rejection_text
from transfer.transfers.inbound import open_inbound
from transfer.transfers.models import Transfer
from transfer.transfers.outbound import OUTBOUND, new_case
from transfer.transfers.rejections import send_rejection

A = TransferAction


class UnknownApplication(ProblemError):
    status = 422
    code = "unknown_application"
    title = "本统筹区没有转出过该申请"


async def apply(
    uow: UnitOfWork,
    ctx: TransferContext,
    *,
    person: dict[str, Any],
    destination: str,
    channel: str,
    materials: list[str],
    actor: Principal,
) -> tuple[Transfer, RowMapping]:
    """医保关系转出 at the 转出地: a partner region, the person here and stopped, no transfer already open."""
    if destination == ctx.region:
        raise SameRegion("转入地与本统筹区相同，无需办理转移接续")
    await get_partner(uow.session, destination)
    await stopped_enrolment(uow.session, person["certno"])
    await store.require_no_open(uow.session, person["certno"], OUTBOUND)
    return await open_outbound(
        uow, ctx, person=person, destination=destination, channel=channel, materials=materials, actor=actor
    )


async def open_outbound(
    uow: UnitOfWork,
    ctx: TransferContext,
    *,
    person: dict[str, Any],
    destination: str,
    channel: str,
    materials: list[str],
    actor: Principal,
) -> tuple[Transfer, RowMapping]:
    """转出地申请: the case here; once accepted, the 参保凭证 and the application go to the 转入地."""
    certno, name = person["certno"], person["name"]
    case = await new_case(
        uow,
        ctx,
        certno=certno,
        name=name,
        destination=destination,
        actor=actor,
        channel=channel,
        form=person | {"destination_region": destination},
        materials=materials,
    )
    now = datetime.now(UTC)
    transfer = Transfer(
        id=uuid.uuid4(),
        direction=str(OUTBOUND),
        certno=certno,
        name=name,
        origin_region=ctx.region,
        destination_region=destination,
        status=str(TransferStatus.submitted),
        created_at=now,
        updated_at=now,
        case_no=case["case_no"],
        transfer_account=True,
        application=person,
        version=1,
    )
    uow.session.add(transfer)
    await uow.session.flush()
    if case["status"] == CaseStatus.accepted:
        await forward_application(uow, ctx, transfer)
    return transfer, await ctx.kit.get(uow.session, case["case_no"])


async def forward_application(uow: UnitOfWork, ctx: TransferContext, transfer: Transfer) -> None:
    """出具《参保凭证》 and ask the 转入地 to issue the 联系函 (转请转入地办理)."""
    assert transfer.case_no is not None and transfer.application is not None
    person = transfer.application
    case = await ctx.kit.get(uow.session, transfer.case_no)
    certificate = await issue_certificate(uow, ctx, case=case, form=person)
    application = TransferApplication(
        application_no=transfer.case_no,
        applied_on=ctx.today(),
        origin_region=ctx.region,
        destination_region=transfer.destination_region,
        name=transfer.name,
        certno=transfer.certno,
        sex=person["sex"],
        phone=person.get("phone"),
        household_type=person["household_type"],
        current_insutype=person["current_insutype"],
        certificate=certificate,
    )
    jws = ctx.signer.sign_document(application.model_dump(mode="json"))
    transfer.application_no, transfer.certificate_no = transfer.case_no, certificate.certificate_no
    store.move(transfer, A.accept)
    await enqueue(
        uow.session,
        partner=transfer.destination_region,
        kind="application",
        number=transfer.case_no,
        jws=jws,
        transfer_id=transfer.id,
    )
    await move_case(ctx, uow, transfer.case_no, CaseAction.start_review)


async def receive_application(
    uow: UnitOfWork, ctx: TransferContext, application: TransferApplication, jws: str
) -> dict[str, Any]:
    """转入地 receives an application forwarded by the 转出地: enrolled here → the letter; else the reason back."""
    reason = None
    try:
        await require_enrolled_here(uow.session, application.certno)
    except NotEnrolledHere:
        reason = RejectionReason.not_enrolled_at_destination
    if reason is None and await store.open_transfers(uow.session, application.certno, TransferDirection.inbound):
        reason = RejectionReason.transfer_in_progress
    if reason is not None:
        await send_rejection(
            uow,
            ctx,
            subject="application",
            number=application.application_no,
            to_region=application.origin_region,
            certno=application.certno,
            name=application.name,
            reason=reason,
            detail=None,
            transfer_id=None,
        )
        return {"rejected": str(reason)}
    person = {
        "certno": application.certno,
        "name": application.name,
        "sex": application.sex,
        "phone": application.phone,
        "household_type": str(application.household_type),
        "current_insutype": application.current_insutype,
        "transfer_account": application.transfer_account,
        "certificate_no": application.certificate.certificate_no if application.certificate else None,
    }
    # the identity was checked where the person applied; the certificate travels with the application
    offered = ["id_document"] + (["insurance_certificate"] if application.certificate else [])
    known = {key for material in ctx.kit.item("transfer_in").materials for key in accepted_keys(material)}
    materials = [m for m in offered if m in known]
    transfer, case = await open_inbound(
        uow,
        ctx,
        person=person,
        origin=application.origin_region,
        channel="partner",
        materials=materials,
        actor=ctx.system,
        application_no=application.application_no,
    )
    return {"transfer_status": transfer.status, "case_no": case["case_no"]}


async def application_rejected(uow: UnitOfWork, ctx: TransferContext, rejection: TransferRejection) -> dict[str, Any]:
    """The 转入地 will not take the person: 不予办理 here, with its reason as the applicant's notice."""
    transfer = await uow.session.scalar(
        select(Transfer)
        .where(Transfer.case_no == rejection.number, Transfer.direction == str(OUTBOUND))
        .with_for_update()
    )
    if transfer is None or transfer.destination_region != rejection.from_region:
        raise UnknownApplication(f"本统筹区没有向 {rejection.from_region} 转出编号为 {rejection.number} 的申请")
    store.move(transfer, A.reject)
    transfer.rejection_code, transfer.rejection_detail = str(rejection.reason), rejection.detail
    assert transfer.case_no is not None
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
