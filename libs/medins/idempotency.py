"""Idempotency keys (ARCHITECTURE section 10) for POSTs that move money and for HIS and partner POSTs.

The key is claimed **inside the use case's own transaction**, by inserting a row under a primary key
(caller, scope, key), and the response is written into that row before the transaction commits:

- first use: the insert succeeds, the use case runs, its response is stored, all commit together;
- replay after that commit: the insert finds the row, the stored response goes back (``replayed``);
- the same key with another request (method, path, body): 409 ``idempotency_key_reused``;
- two requests with one key at the same time: PostgreSQL makes the second insert wait on the first's
  uncommitted row (a unique index, not check-then-insert); when the first commits the second gets its
  response, when it rolls back the second runs as the first.

A request that fails (4xx) rolls back with its change, so its key stays free and a retry runs again: no
money moved the first time, so running again is the retry the client meant.

A service creates the table from its own migration with ``create_idempotency_table(op)``.
"""

import hashlib
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from medins.errors import ProblemError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotency-Replayed"
_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII without spaces (a UUID is the usual choice)

metadata = MetaData()

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("owner", String(100), primary_key=True),  # the caller (principal label): keys are per caller
    Column("scope", String(100), primary_key=True),  # the operation, e.g. registration.accounts.credits
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),  # sha256 of the request the key was first used with
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),  # json, not jsonb: a replay gets the first body as it was
    Column("created_at", DateTime(timezone=True), nullable=False),
)


class IdempotencyKeyRequired(ProblemError):
    status = 400
    code = "idempotency_key_required"
    title = "缺少幂等键"


class IdempotencyKeyReused(ProblemError):
    status = 409
    code = "idempotency_key_reused"
    title = "幂等键已用于另一请求"


def require_idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="幂等键（必填）：同一请求重试时使用同一个值，重放返回首次的响应；不同请求不得复用",
        ),
    ] = None,
) -> str:
    """FastAPI dependency: the request's ``Idempotency-Key`` header (declared in the OpenAPI), or 400."""
    if key is None or not _KEY.match(key):
        raise IdempotencyKeyRequired(
            f"涉及资金变动的请求必须携带请求头 {HEADER}（1–200 个可见 ASCII 字符，建议使用 UUID），"
            "重复提交时使用同一个值"
        )
    return key


IdempotencyKey = Annotated[str, Depends(require_idempotency_key)]


def fingerprint(*parts: Any) -> str:
    """A stable hash of what makes two requests the same (method, path, the parsed body as JSON)."""
    canonical = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: Any
    replayed: bool


async def run_once(
    session: AsyncSession,
    *,
    owner: str,
    scope: str,
    key: str,
    request_fingerprint: str,
    status_code: int,
    action: Callable[[], Awaitable[Any]],
) -> Outcome:
    """Run ``action`` once per (owner, scope, key) in the caller's transaction; the caller commits.

    ``action`` returns the JSON-able response body; it is stored with ``status_code`` and given back to
    every replay. Claim the key before taking any other lock, so that a waiting duplicate holds nothing.
    """
    claimed = await session.execute(
        insert(idempotency_key)
        .values(
            owner=owner,
            scope=scope,
            key=key,
            fingerprint=request_fingerprint,
            status_code=status_code,
            response={},
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
        .returning(idempotency_key.c.key)
    )
    if claimed.first() is None:
        stored = (
            await session.execute(
                select(idempotency_key).where(
                    idempotency_key.c.owner == owner, idempotency_key.c.scope == scope, idempotency_key.c.key == key
                )
            )
        ).one()
        if stored.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused(f"幂等键 {key} 已用于内容不同的另一请求，请为新的请求使用新的幂等键")
        return Outcome(stored.status_code, stored.response, replayed=True)
    body = await action()
    await session.execute(
        idempotency_key.update()
        .where(idempotency_key.c.owner == owner, idempotency_key.c.scope == scope, idempotency_key.c.key == key)
        .values(response=body)
    )
    return Outcome(status_code, body, replayed=False)


async def purge(session: AsyncSession, *, older_than: timedelta) -> int:
    """Forget keys older than the retention period (clients retry within minutes, not months)."""
    result = await session.execute(
        delete(idempotency_key).where(idempotency_key.c.created_at < datetime.now(UTC) - older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def create_idempotency_table(op: Any) -> None:
    """Called from a service's migration."""
    metadata.create_all(op.get_bind())


def drop_idempotency_table(op: Any) -> None:
    metadata.drop_all(op.get_bind())
