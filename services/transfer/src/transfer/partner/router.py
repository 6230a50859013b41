"""The partner API other regions call (through this region's gateway), and the partner directory for admins."""

from typing import Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from medins.authz import audience
from medins.identity import CurrentPrincipal, PrincipalKind, StaffRole, require_staff
from medins.service_app import SessionDep, UowDep
from transfer.agencies import Agency
from transfer.context import TransferContext
from transfer.partner import directory
from transfer.partner.inbox import receive
from transfer.transfers.delivery import dispatch

router = APIRouter(prefix="/api/v1/transfer", tags=["partner 地区间接口"])
ADMIN = audience(PrincipalKind.staff, staff_roles=(StaffRole.admin,))
Admdvs = Path(pattern=r"^\d{6}$", description="医保区划代码")


class PartnerMessageIn(BaseModel):
    """One signed document (compact JWS, EdDSA, signed by the sending region's key)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["letter", "info_table", "remittance", "application", "rejection"] = Field(
        description="letter 联系函 / info_table 信息表 / remittance 资金划转 / "
        "application 转出地申请 / rejection 不予办理"
    )
    document: str = Field(min_length=20, max_length=200_000)


class PartnerMessageResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str
    number: str
    duplicate: bool = Field(description="同一文书此前已收到并处理过：返回首次处理的结果")


class PartnerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, description="对方医疗保障经办机构名称")
    base_url: str = Field(pattern=r"^https?://", max_length=300, description="对方网关地址")
    jwks: dict[str, Any] = Field(description="对方地区签名公钥（JWKS）")
    active: bool = True


class PartnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    admdvs: str
    name: str
    base_url: str
    jwks: dict[str, Any]
    active: bool


class OwnKeysOut(BaseModel):
    admdvs: str
    name: str
    agency: Agency
    public_key_pem: str
    jwks: dict[str, Any]


def ctx_of(request: Request) -> TransferContext:
    ctx: TransferContext = request.app.state.transfer_ctx
    return ctx


@router.post(
    "/partner/messages",
    response_model=PartnerMessageResult,
    summary="接收外地经办机构的文书（联系函、信息表、资金划转、转出地申请、不予办理）",
    openapi_extra=audience(PrincipalKind.partner),
)
async def partner_message(
    body: PartnerMessageIn, request: Request, principal: CurrentPrincipal, uow: UowDep
) -> dict[str, Any]:
    ctx = ctx_of(request)
    async with uow:
        result = await receive(uow, ctx, dispatch, sender=principal.id, kind=body.kind, jws=body.document)
        await uow.commit()
    request.app.state.partner_sender.wake()
    return result


@router.get(
    "/partners/self", response_model=OwnKeysOut, summary="本统筹区的签名公钥（交给伙伴地区登记）", openapi_extra=ADMIN
)
async def own_keys(request: Request) -> OwnKeysOut:
    ctx = ctx_of(request)
    pem, jwks = directory.own_keys(request.app.state.settings.region_key_file)
    return OwnKeysOut(admdvs=ctx.region, name=ctx.agency.name, agency=ctx.agency, public_key_pem=pem, jwks=jwks)


@router.get("/partners", response_model=list[PartnerOut], summary="伙伴地区名单")
async def partners(principal: CurrentPrincipal, session: SessionDep) -> list[PartnerOut]:
    require_staff(principal)
    return [PartnerOut.model_validate(p) for p in await directory.list_partners(session)]


@router.put(
    "/partners/{admdvs}",
    response_model=PartnerOut,
    summary="登记或修改伙伴地区（网关地址与签名公钥）",
    openapi_extra=ADMIN,
)
async def put_partner(body: PartnerIn, request: Request, uow: UowDep, admdvs: str = Admdvs) -> PartnerOut:
    if admdvs == ctx_of(request).region:
        raise directory.SameRegion("不能把本统筹区登记为伙伴地区")
    async with uow:
        try:
            partner = await directory.upsert_partner(uow.session, admdvs=admdvs, **body.model_dump())
        except Exception as exc:
            raise InvalidJwks("签名公钥（JWKS）格式不正确") from exc
        out = PartnerOut.model_validate(partner)
        await uow.commit()
    return out


class InvalidJwks(directory.UnknownPartnerRegion):
    code = "invalid_jwks"
    title = "签名公钥格式不正确"
