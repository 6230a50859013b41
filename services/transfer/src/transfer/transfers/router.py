"""转移接续 routes: apply at either end, 出具《参保凭证》, lists, details with every clock, the overdue list."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from medins.authz import audience, require_owner
from medins.cases.schemas import CaseOut
from medins.cases.service import Applicant
from medins.cases.views import case_out
from medins.errors import Forbidden, ProblemError
from medins.identity import CurrentPrincipal, Principal, PrincipalKind, StaffRole, require_staff
from medins.service_app import SessionDep, UowDep
from transfer.context import TransferContext
from transfer.persons.service import stopped_enrolment
from transfer.transfers import applications, inbound, returns, service, store
from transfer.transfers.certificates import CERTIFICATE_ITEM
from transfer.transfers.documents import sex_of
from transfer.transfers.domain import RejectionReason, TransferDirection
from transfer.transfers.models import IssuedCertificate
from transfer.transfers.schemas import (
    ApplicationOut,
    CertificateApplicationIn,
    CertificateOut,
    InboundApplicationIn,
    OutboundApplicationIn,
    OverdueOut,
    PersonIn,
    SendBackIn,
    TakeBackIn,
    TransferDetail,
    TransferOut,
)

router = APIRouter(prefix="/api/v1/transfer", tags=["transfers 转移接续"])
STAFF, PERSON = PrincipalKind.staff, PrincipalKind.person
APPLY = audience(STAFF, PERSON, staff_roles=(StaffRole.intake,))


def ctx_of(request: Request) -> TransferContext:
    ctx: TransferContext = request.app.state.transfer_ctx
    return ctx


class NameRequired(ProblemError):
    status = 422
    code = "name_required"
    title = "缺少参保人员姓名"


def _person(body: PersonIn, principal: Principal) -> dict[str, Any]:
    """The person's fields for the forms; a person applies only for themself, under their own name."""
    name = body.name
    if principal.kind is PERSON:
        if principal.id != body.certno:
            raise Forbidden("参保人只能为本人申请", code="not_owner", title="无权为他人申请")
        name = principal.name or name
    if not name:
        raise NameRequired("请填写参保人员姓名")
    fields = body.model_dump(mode="json", exclude={"channel", "materials"})
    return fields | {"name": name, "sex": body.sex or sex_of(body.certno)}


def _window_actor(principal: Principal) -> None:
    if principal.kind is STAFF:
        require_staff(principal, StaffRole.intake)


@router.post(
    "/transfers/inbound",
    status_code=201,
    response_model=ApplicationOut,
    summary="转移接续手续办理（转入地申请）",
    openapi_extra=APPLY,
)
async def apply_inbound(
    body: InboundApplicationIn, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    ctx = ctx_of(request)
    _window_actor(principal)
    person = _person(body, principal) | {
        "certificate_no": body.certificate_no,
        "transfer_account": body.transfer_account,
    }
    async with uow:
        transfer, case = await inbound.apply(
            uow,
            ctx,
            person=person,
            origin=body.origin_region,
            channel=body.channel,
            materials=body.materials,
            actor=principal,
        )
        out = ApplicationOut(transfer=service.transfer_out(transfer), case=await case_out(ctx.kit, uow.session, case))
        await uow.commit()
    return out


@router.post(
    "/transfers/outbound",
    status_code=201,
    response_model=ApplicationOut,
    summary="医保关系转出（转出地申请，转请转入地办理）",
    openapi_extra=APPLY,
)
async def apply_outbound(
    body: OutboundApplicationIn, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> ApplicationOut:
    ctx = ctx_of(request)
    _window_actor(principal)
    person = _person(body, principal)
    async with uow:
        transfer, case = await applications.apply(
            uow,
            ctx,
            person=person,
            destination=body.destination_region,
            channel=body.channel,
            materials=body.materials,
            actor=principal,
        )
        out = ApplicationOut(transfer=service.transfer_out(transfer), case=await case_out(ctx.kit, uow.session, case))
        await uow.commit()
    return out


@router.post(
    "/certificates",
    status_code=201,
    response_model=CertificateOut,
    summary="出具《参保凭证》（即时办结）",
    openapi_extra=APPLY,
)
async def apply_certificate(
    body: CertificateApplicationIn, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> CertificateOut:
    ctx = ctx_of(request)
    _window_actor(principal)
    if principal.kind is PERSON and principal.id != body.certno:
        raise Forbidden("参保人只能为本人申请", code="not_owner", title="无权为他人申请")
    async with uow:
        enrolment = await stopped_enrolment(uow.session, body.certno)
        case = await ctx.kit.submit(
            uow,
            item_key=CERTIFICATE_ITEM,
            applicant=Applicant("person", body.certno, enrolment.name),
            actor=principal,
            channel=body.channel,
            form=body.model_dump(mode="json", exclude={"channel", "materials"}),
            materials=body.materials,
            situations=[],
        )
        if case["status"] == "submitted":
            case = await ctx.kit.check_at_window(uow, case, ctx.system)
        issued = await uow.session.scalar(select(IssuedCertificate).where(IssuedCertificate.case_no == case["case_no"]))
        out = CertificateOut(
            case=await case_out(ctx.kit, uow.session, case), certificate=issued.body if issued else None
        )
        await uow.commit()
    return out


@router.get("/transfers", response_model=list[TransferOut], summary="转移接续列表（经办人员）")
async def list_transfers(
    principal: CurrentPrincipal,
    session: SessionDep,
    direction: Annotated[TransferDirection | None, Query()] = None,
    status: Annotated[str | None, Query(max_length=30)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TransferOut]:
    require_staff(principal)
    transfers = await service.find_transfers(
        session, limit=limit, offset=offset, direction=direction and str(direction), status=status
    )
    return [service.transfer_out(t) for t in transfers]


@router.get("/transfers/overdue", response_model=list[OverdueOut], summary="超期转移接续（任一环节或总时限超时）")
async def overdue_transfers(request: Request, principal: CurrentPrincipal, session: SessionDep) -> list[OverdueOut]:
    require_staff(principal)
    return await service.overdue(session, ctx_of(request).today())


@router.get(
    "/transfers/{transfer_id}",
    response_model=TransferDetail,
    summary="转移接续详情：文书、时钟、与对方的往来",
    openapi_extra=audience(STAFF, PERSON),
)
async def get_transfer(
    transfer_id: uuid.UUID, request: Request, principal: CurrentPrincipal, session: SessionDep
) -> TransferDetail:
    ctx = ctx_of(request)
    transfer = await store.get(session, transfer_id)
    require_owner(principal, PERSON, transfer.certno, region=ctx.region)
    return await service.detail(session, transfer, ctx.today())


@router.post(
    "/transfers/{transfer_id}/send-back",
    response_model=TransferDetail,
    summary="不予接续：把《信息表》和划转资金退回转出地（转入地，审核人员）",
    openapi_extra=audience(STAFF, staff_roles=(StaffRole.review,)),
)
async def send_back(
    transfer_id: uuid.UUID, body: SendBackIn, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> TransferDetail:
    """For a table whose funds do not match (基金匹配不符) or a person registration could not continue; a transfer
    in any other state is a 409 ``illegal_transfer_transition``."""
    require_staff(principal, StaffRole.review)
    ctx = ctx_of(request)
    async with uow:
        transfer = await store.get(uow.session, transfer_id, for_update=True)
        if transfer.direction != TransferDirection.inbound:
            raise NotInbound("只有转入地可以退回《信息表》和资金")
        await returns.send_back(uow, ctx, transfer, reason=RejectionReason(body.reason), detail=body.detail)
        out = await service.detail(uow.session, transfer, ctx.today())
        await uow.commit()
    request.app.state.partner_sender.wake()
    return out


@router.post(
    "/transfers/{transfer_id}/take-back",
    response_model=TransferDetail,
    summary="收回：转入地拒收《信息表》时，把信息表和划转资金收回本地（转出地，审核人员）",
    openapi_extra=audience(STAFF, staff_roles=(StaffRole.review,)),
)
async def take_back(
    transfer_id: uuid.UUID, body: TakeBackIn, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> TransferDetail:
    """Only while nothing of the transfer reached the 转入地 and its partner API refused the 信息表 (409
    ``take_back_not_allowed`` otherwise): the account is credited back and the enrolment restored (返还), the
    case ends with the reason as its one-time notice."""
    require_staff(principal, StaffRole.review)
    ctx = ctx_of(request)
    async with uow:
        transfer = await store.get(uow.session, transfer_id, for_update=True)
        await returns.take_back(uow, ctx, transfer, detail=body.detail)
        out = await service.detail(uow.session, transfer, ctx.today())
        await uow.commit()
    request.app.state.partner_sender.wake()  # the 不予办理 to the 转入地
    return out


@router.post(
    "/transfers/{transfer_id}/messages/{message_id}/resend",
    response_model=TransferDetail,
    summary="重新发送一份被对方拒收或尚未送达的文书（经办人员）",
    openapi_extra=audience(STAFF, staff_roles=(StaffRole.review,)),
)
async def resend_message(
    transfer_id: uuid.UUID, message_id: uuid.UUID, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> TransferDetail:
    """After the cause of a refusal is put right (a partner's key, an address): the document goes again, now."""
    require_staff(principal, StaffRole.review)
    ctx = ctx_of(request)
    async with uow:
        transfer = await store.get(uow.session, transfer_id, for_update=True)  # serialised with a take-back
        await service.resend(uow.session, transfer, message_id)
        out = await service.detail(uow.session, transfer, ctx.today())
        await uow.commit()
    request.app.state.partner_sender.wake()
    return out


class NotInbound(ProblemError):
    status = 409
    code = "not_inbound_transfer"
    title = "不是转入的转移接续"


@router.get("/transfers/{transfer_id}/signed/{kind}", summary="转移接续文书的签名原件（JWS，经办人员）")
async def signed_document(
    transfer_id: uuid.UUID, kind: str, principal: CurrentPrincipal, session: SessionDep
) -> dict[str, str | None]:
    require_staff(principal)
    transfer = await store.get(session, transfer_id)
    jws = {"letter": transfer.letter_jws, "info_table": transfer.info_table_jws, "remittance": transfer.remittance_jws}
    if kind not in jws:
        raise store.TransferNotFound(f"没有 {kind} 这种文书", code="unknown_document_kind", title="文书种类不存在")
    return {"kind": kind, "jws": jws[kind]}


__all__ = ["CaseOut", "router"]
