"""Accounts in the gateway's database: password logins with lockout, and a short cache for every request."""

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.models import EmployerAccount, InstitutionClient, PartnerRegion, StaffAccount
from gateway.passwords import verify_secret
from medins.errors import Unauthenticated

Row = TypeVar("Row", StaffAccount, EmployerAccount)


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    title = "账号或密码错误"


class AccountLocked(Unauthenticated):
    code = "account_locked"
    title = "账号已锁定"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试或联系管理员解锁",
            extra={"retry_after": retry_after},
        )
        self.retry_after = retry_after


async def password_login(
    sessionmaker: async_sessionmaker[AsyncSession],
    model: type[Row],
    key: str,
    password: str,
    *,
    max_failures: int,
    lockout_seconds: int,
) -> Row:
    """The active account whose password this is; counts failures in a row and locks the account after
    ``max_failures`` of them for ``lockout_seconds``. An unknown account costs as long as a wrong password."""
    column = model.staff_id if model is StaffAccount else model.uscc  # type: ignore[attr-defined]
    async with sessionmaker() as session, session.begin():
        account = await session.scalar(select(model).where(column == key).with_for_update())
        now = datetime.now(UTC)
        if account is None or not account.active or account.password_hash is None:
            await verify_secret(None, password)
            raise InvalidCredentials("账号或密码错误")
        if account.locked_until is not None and account.locked_until > now:
            raise AccountLocked(math.ceil((account.locked_until - now).total_seconds()))
        if await verify_secret(account.password_hash, password):
            account.failed_logins = 0
            account.locked_until = None
            return account
        account.failed_logins += 1
        locked = account.failed_logins >= max_failures
        if locked:
            account.failed_logins = 0
            account.locked_until = now + timedelta(seconds=lockout_seconds)
    if locked:
        raise AccountLocked(lockout_seconds)
    raise InvalidCredentials(f"账号或密码错误（再错 {max_failures - account.failed_logins} 次将锁定账号）")


class AccountCache:
    """Accounts, HIS clients and partner regions by key, each kept ``seconds`` (deactivation takes effect
    within that time whatever tokens are out)."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], seconds: float) -> None:
        self.sessionmaker = sessionmaker
        self.seconds = seconds
        self._rows: dict[tuple[type[Any], str], tuple[float, Any]] = {}

    async def get(self, model: type[Any], key: str) -> Any:
        cached = self._rows.get((model, key))
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self.sessionmaker() as session:
            row = await session.get(model, key)
        if len(self._rows) > 50_000:
            self._rows.clear()
        self._rows[(model, key)] = (now + self.seconds, row)
        return row

    def forget(self, model: type[Any], key: str) -> None:
        self._rows.pop((model, key), None)

    async def staff(self, staff_id: str) -> StaffAccount | None:
        return await self.get(StaffAccount, staff_id)  # type: ignore[no-any-return]

    async def employer(self, uscc: str) -> EmployerAccount | None:
        return await self.get(EmployerAccount, uscc)  # type: ignore[no-any-return]

    async def institution(self, client_id: str) -> InstitutionClient | None:
        return await self.get(InstitutionClient, client_id)  # type: ignore[no-any-return]

    async def partner(self, admdvs: str) -> PartnerRegion | None:
        return await self.get(PartnerRegion, admdvs)  # type: ignore[no-any-return]
