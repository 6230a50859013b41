"""The gateway's own views across services: who am I, my cases everywhere, a case by its number,
and identifying a person by 身份证 / 社保卡 through the registration service."""

import asyncio
import json
from typing import Annotated, Any

import aiohttp
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from gateway.deps import GatewayPrincipal
from gateway.proxy import SERVICE_NAMES_ZH, forward, internal_headers
from medins.authz import APPLICANTS, EVERYONE, audience
from medins.cases.domain import service_of_case_number
from medins.cases.schemas import CaseOut
from medins.errors import NotFound
from medins.identity import PrincipalKind
from medins.ids import CertNo

router = APIRouter(prefix="/api/v1", tags=["gateway 跨服务视图"])


class PrincipalOut(BaseModel):
    kind: str = Field(
        description="staff 经办人员 | person 参保人 | employer 参保单位 | institution 医药机构 | partner 外地"
    )
    id: str = Field(description="经办人员账号 | 身份证号 | 统一社会信用代码 | fixmedins_code | 医保区划")
    region: str
    roles: list[str]
    name: str | None


class UnavailableService(BaseModel):
    service: str
    name: str
    reason: str


class MyCasesOut(BaseModel):
    cases: list[CaseOut] = Field(description="各服务中本人（本单位、本机构）的办件，按申请时间倒序")
    incomplete: bool = Field(description="有服务未能答复时为 true，见 unavailable")
    unavailable: list[UnavailableService]


class IdentifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    certno: CertNo = Field(description="身份证号（刷社保卡时为卡面社会保障号码）")
    card_no: str | None = Field(None, pattern=r"^[0-9A-Za-z]{9,20}$", description="社会保障卡卡号")


@router.get("/me", response_model=PrincipalOut, summary="当前登录身份", openapi_extra=audience(*EVERYONE))
async def whoami(principal: GatewayPrincipal) -> PrincipalOut:
    return PrincipalOut(
        kind=str(principal.kind),
        id=principal.id,
        region=principal.region,
        roles=sorted(principal.roles),
        name=principal.name,
    )


@router.get(
    "/me/cases",
    response_model=MyCasesOut,
    summary="我的办件（汇总六个服务）",
    openapi_extra=audience(*APPLICANTS, PrincipalKind.partner),
)
async def my_cases(request: Request, principal: GatewayPrincipal) -> MyCasesOut:
    state = request.app.state
    session: aiohttp.ClientSession = state.http
    headers = internal_headers(state.tokens.token_for(principal))
    timeout = aiohttp.ClientTimeout(total=state.settings.upstream_timeout_seconds)

    async def one(service: str, base_url: str) -> tuple[str, list[dict[str, Any]] | None, str]:
        try:
            async with session.get(f"{base_url}/api/v1/{service}/cases", headers=headers, timeout=timeout) as r:
                if r.status == 200:
                    return service, list(await r.json()), ""
                return service, None, f"HTTP {r.status}"
        except TimeoutError:
            return service, None, "超时"
        except (aiohttp.ClientError, OSError, ValueError):
            return service, None, "无法访问"

    results = await asyncio.gather(*(one(s, url) for s, url in state.settings.service_urls().items()))
    cases = [CaseOut.model_validate(c) for _, found, _ in results for c in found or []]
    cases.sort(key=lambda c: c.submitted_at, reverse=True)
    unavailable = [
        UnavailableService(service=s, name=SERVICE_NAMES_ZH[s], reason=reason)
        for s, found, reason in results
        if found is None
    ]
    return MyCasesOut(cases=cases, incomplete=bool(unavailable), unavailable=unavailable)


@router.get(
    "/cases/{case_no}",
    response_model=CaseOut,
    summary="按办件编号查询进度（自动路由到所属服务）",
    openapi_extra=audience(*EVERYONE),
)
async def case_by_number(
    case_no: Annotated[
        str,
        Path(
            pattern=r"^[A-Z]{3}-[0-9]{6}-[0-9]{8}-[0-9]{6,12}$", description="办件编号，如 REG-431000-20261123-000042"
        ),
    ],
    request: Request,
    principal: GatewayPrincipal,
) -> Response:
    service = service_of_case_number(case_no)
    if service is None:
        raise NotFound(f"{case_no} 不是有效的办件编号", code="unknown_case_number", title="办件编号不正确")
    state = request.app.state
    return await forward(
        request,
        session=state.http,
        base_url=state.settings.service_urls()[service],
        service=service,
        principal_token=state.tokens.token_for(principal),
        timeout_seconds=state.settings.upstream_timeout_seconds,
        path=f"/api/v1/{service}/cases/{case_no}",
    )


@router.post(
    "/identity/persons",
    summary="身份证/社保卡识别参保人员（窗口、医院）",
    openapi_extra=audience(PrincipalKind.staff, PrincipalKind.institution)
    | {"responses": {"200": {"description": "参保人员（见 registration 的 PersonIdentified）"}}},
)
async def identify_person(body: IdentifyIn, request: Request, principal: GatewayPrincipal) -> Response:
    state = request.app.state
    return await forward(
        request,
        session=state.http,
        base_url=state.settings.service_urls()["registration"],
        service="registration",
        principal_token=state.tokens.token_for(principal),
        timeout_seconds=state.settings.upstream_timeout_seconds,
        path="/api/v1/registration/persons/lookup",
        body=json.dumps(body.model_dump(mode="json"), ensure_ascii=False).encode(),
    )
