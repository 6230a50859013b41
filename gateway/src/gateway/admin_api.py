"""Account administration by staff: staff accounts (管理员), unit accounts (受理), HIS clients (管理员)."""

from datetime import UTC, datetime
from typing import Annotated, Any

import aiohttp
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.dialects.postgresql import insert

from gateway.accounts import AccountCache
from gateway.deps import GatewayPrincipal
from gateway.models import EmployerAccount, InstitutionClient, StaffAccount
from gateway.passwords import check_password_policy, hash_secret_async, new_client_secret
from medins.authz import audience
from medins.errors import NotFound, ProblemError
from medins.identity import INTERNAL_HEADER, PrincipalKind, StaffRole
from medins.ids import USCC

router = APIRouter(prefix="/api/v1/admin", tags=["admin 账号管理"])
ADMIN = audience(PrincipalKind.staff, staff_roles=(StaffRole.admin,))
StaffId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$", description="经办人员账号")]


class StaffAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    roles: list[StaffRole] = Field(
        min_length=1, description="intake 受理 / review 审核 / second_review 复核 / finance 财务 / admin 管理员"
    )
    active: bool = True
    password: str | None = Field(None, max_length=200, description="初始密码（不填则不改）")


class StaffAccountOut(BaseModel):
    staff_id: str
    name: str
    region: str
    roles: list[str]
    active: bool
    locked: bool = False


class EmployerAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    uscc: USCC = Field(description="已在本统筹区参保登记的单位的统一社会信用代码")
    password: str = Field(max_length=200, description="初始密码，交给单位经办人")


class EmployerAccountOut(BaseModel):
    uscc: str
    name: str
    region: str
    active: bool


class InstitutionClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fixmedins_code: str = Field(pattern=r"^[A-Z][0-9]{11}$", description="定点医药机构编号，如 H43100200001")
    name: str = Field(min_length=1, max_length=200)
    rate_limit_per_minute: int | None = Field(None, ge=1, le=100_000, description="每分钟请求上限（不填用默认值）")


class InstitutionClientOut(BaseModel):
    client_id: str
    name: str
    region: str
    rate_limit_per_minute: int | None
    client_secret: str = Field(description="接入密钥，只显示这一次；再次提交即重置")


class EmployerNotRegistered(ProblemError):
    status = 422
    code = "employer_not_registered"
    title = "单位未在本统筹区参保登记"


def _accounts(request: Request) -> AccountCache:
    accounts: AccountCache = request.app.state.accounts
    return accounts


@router.put(
    "/staff/{staff_id}",
    response_model=StaffAccountOut,
    summary="新增或修改经办人员账号（本统筹区）",
    openapi_extra=ADMIN,
)
async def put_staff(
    staff_id: StaffId, body: StaffAccountIn, request: Request, principal: GatewayPrincipal
) -> StaffAccountOut:
    values: dict[str, Any] = {
        "name": body.name,
        "region": principal.region,
        "roles": sorted({str(r) for r in body.roles}),
        "active": body.active,
    }
    if body.password is not None:
        check_password_policy(body.password)
        values["password_hash"] = await hash_secret_async(body.password)
        values["credentials_changed_at"] = datetime.now(UTC)
    accounts = _accounts(request)
    async with accounts.sessionmaker() as session, session.begin():
        statement = insert(StaffAccount).values(staff_id=staff_id, **values)
        await session.execute(statement.on_conflict_do_update(index_elements=["staff_id"], set_=values))
    accounts.forget(StaffAccount, staff_id)
    return StaffAccountOut(staff_id=staff_id, **{k: values[k] for k in ("name", "region", "roles", "active")})


@router.post(
    "/staff/{staff_id}/unlock", response_model=StaffAccountOut, summary="解除经办人员账号锁定", openapi_extra=ADMIN
)
async def unlock_staff(staff_id: StaffId, request: Request, principal: GatewayPrincipal) -> StaffAccountOut:
    accounts = _accounts(request)
    async with accounts.sessionmaker() as session, session.begin():
        account = await session.get(StaffAccount, staff_id, with_for_update=True)
        if account is None or account.region != principal.region:
            raise NotFound(f"本统筹区没有经办人员账号 {staff_id}", code="staff_account_not_found")
        account.failed_logins = 0
        account.locked_until = None
        out = StaffAccountOut(
            staff_id=account.staff_id,
            name=account.name,
            region=account.region,
            roles=account.roles,
            active=account.active,
        )
    accounts.forget(StaffAccount, staff_id)
    return out


async def _registered_unit_name(request: Request, principal_token: str, uscc: str) -> str:
    """Asks the registration service (with the caller's principal) whether the unit is registered here."""
    session: aiohttp.ClientSession = request.app.state.http
    url = request.app.state.settings.service_urls()["registration"] + "/api/v1/registration/units"
    async with session.get(
        url, params={"uscc": uscc}, headers={INTERNAL_HEADER: principal_token}, timeout=aiohttp.ClientTimeout(total=10)
    ) as response:
        units = await response.json(content_type=None) if response.status == 200 else []
    if not units:
        raise EmployerNotRegistered(f"统一社会信用代码 {uscc} 的单位未在本统筹区参保登记，不能开通单位账号")
    return str(units[0]["name"])


@router.post(
    "/employer-accounts",
    status_code=201,
    response_model=EmployerAccountOut,
    summary="为已参保单位开通单位网厅账号",
    openapi_extra=audience(PrincipalKind.staff, staff_roles=(StaffRole.intake, StaffRole.admin)),
)
async def create_employer_account(
    body: EmployerAccountIn, request: Request, principal: GatewayPrincipal
) -> EmployerAccountOut:
    check_password_policy(body.password)
    name = await _registered_unit_name(request, request.app.state.tokens.token_for(principal), body.uscc)
    values: dict[str, Any] = {
        "name": name,
        "region": principal.region,
        "active": True,
        "password_hash": await hash_secret_async(body.password),
        "failed_logins": 0,
        "locked_until": None,
        "credentials_changed_at": datetime.now(UTC),
        "created_by": principal.label,
    }
    accounts = _accounts(request)
    async with accounts.sessionmaker() as session, session.begin():
        statement = insert(EmployerAccount).values(uscc=body.uscc, **values)
        await session.execute(statement.on_conflict_do_update(index_elements=["uscc"], set_=values))
    accounts.forget(EmployerAccount, body.uscc)
    return EmployerAccountOut(uscc=body.uscc, name=name, region=principal.region, active=True)


@router.post(
    "/institution-clients",
    status_code=201,
    response_model=InstitutionClientOut,
    summary="定点医药机构 HIS 接入：开通或重置接入密钥",
    openapi_extra=ADMIN,
)
async def create_institution_client(
    body: InstitutionClientIn, request: Request, principal: GatewayPrincipal
) -> InstitutionClientOut:
    secret = new_client_secret()
    values: dict[str, Any] = {
        "name": body.name,
        "region": principal.region,
        "secret_hash": await hash_secret_async(secret),
        "rate_limit_per_minute": body.rate_limit_per_minute,
        "active": True,
        "credentials_changed_at": datetime.now(UTC),
        "created_by": principal.label,
    }
    accounts = _accounts(request)
    async with accounts.sessionmaker() as session, session.begin():
        statement = insert(InstitutionClient).values(client_id=body.fixmedins_code, **values)
        await session.execute(statement.on_conflict_do_update(index_elements=["client_id"], set_=values))
    accounts.forget(InstitutionClient, body.fixmedins_code)
    return InstitutionClientOut(
        client_id=body.fixmedins_code,
        name=body.name,
        region=principal.region,
        rate_limit_per_minute=body.rate_limit_per_minute,
        client_secret=secret,
    )
