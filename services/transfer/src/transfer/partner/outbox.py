"""Documents to partner regions: written in the same transaction as the change, sent until answered.

A message is one signed document for one partner. The sender claims due messages with ``FOR UPDATE SKIP
LOCKED`` (several processes never send the same one at once), POSTs it to the partner's gateway signed with
this region's key, and then:

- 2xx: delivered; the hook runs in the same transaction (e.g. the 联系函 stage is done);
- 4xx other than 408/425/429: refused (a bad signature, an unknown letter …): never resent; the hook records
  the partner's problem on the transfer for staff;
- anything else (5xx, timeout, connection refused, the partner's gateway stopped): retried after 1 s, 2 s,
  4 s … up to ``max_delay``, for ever. The receiver is idempotent by document number, so a document sent
  twice (an answer lost on the way back) is handled once.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medins.partners import PartnerClient
from transfer.partner.models import PartnerMessage, PartnerRegion

log = logging.getLogger("transfer.partner")

PATH = "/api/v1/transfer/partner/messages"
RETRYABLE_4XX = frozenset({408, 425, 429})

Hook = Callable[[AsyncSession, PartnerMessage], Awaitable[None]]


async def enqueue(
    session: AsyncSession, *, partner: str, kind: str, number: str, jws: str, transfer_id: uuid.UUID | None
) -> None:
    """Queue a signed document for a partner (once per partner, kind and number)."""
    now = datetime.now(UTC)
    statement = insert(PartnerMessage).values(
        id=uuid.uuid4(),
        partner=partner,
        kind=kind,
        number=number,
        transfer_id=transfer_id,
        jws=jws,
        created_at=now,
        next_attempt_at=now,
        attempts=0,
    )
    await session.execute(statement.on_conflict_do_nothing(constraint="partner_message_once"))


def backoff(attempts: int, base: float, maximum: float) -> timedelta:
    """1 s, 2 s, 4 s … (with base 1) up to ``maximum``."""
    return timedelta(seconds=min(maximum, base * 2.0 ** min(max(attempts - 1, 0), 20)))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"text": response.text[:500]}
    return body if isinstance(body, dict) else {"body": body}


class PartnerSender:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: PartnerClient,
        *,
        on_delivered: Hook,
        on_refused: Hook,
        sweep: Callable[[], Awaitable[None]] | None = None,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        poll_seconds: float = 0.5,
        workers: int = 4,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.client = client
        self.on_delivered = on_delivered
        self.on_refused = on_refused
        self.sweep = sweep
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.poll_seconds = poll_seconds
        self.workers = workers
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        await asyncio.gather(*(self._worker(n) for n in range(self.workers)))

    async def _worker(self, number: int) -> None:
        while True:
            try:
                sent = await self.send_one()
                if number == 0 and not sent and self.sweep is not None:
                    await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("partner sender worker %d failed; going on", number)
                sent = False
            if not sent:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
                except TimeoutError:
                    pass

    async def send_one(self) -> bool:
        """Send the oldest due message, if any; True when there was one."""
        async with self.sessionmaker() as session, session.begin():
            message = await session.scalar(
                select(PartnerMessage)
                .where(
                    PartnerMessage.delivered_at.is_(None),
                    PartnerMessage.refused_at.is_(None),
                    PartnerMessage.next_attempt_at <= datetime.now(UTC),
                )
                .order_by(PartnerMessage.next_attempt_at, PartnerMessage.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if message is None:
                return False
            message.attempts += 1
            partner = await session.get(PartnerRegion, message.partner)
            if partner is None or not partner.active:
                self._retry(message, f"partner region {message.partner} is not in the directory")
                return True
            try:
                response = await self.client.request(
                    "POST",
                    partner=message.partner,
                    base_url=partner.base_url,
                    path=PATH,
                    json_body={"kind": message.kind, "document": message.jws},
                )
            except httpx.HTTPError as exc:
                self._retry(message, f"{type(exc).__name__}: {exc}")
                return True
            message.response_status = response.status_code
            message.response = _json(response)
            if response.is_success:
                await self._after(session, message, self.on_delivered, delivered=True)
            elif 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX:
                log.warning(
                    "partner %s refused %s %s: %s", message.partner, message.kind, message.number, message.response
                )
                await self._after(session, message, self.on_refused, delivered=False)
            else:
                self._retry(message, f"HTTP {response.status_code}")
        return True

    async def _after(self, session: AsyncSession, message: PartnerMessage, hook: Hook, *, delivered: bool) -> None:
        """Mark the outcome and run its hook; a failing hook leaves the message to be sent (and answered) again."""
        try:
            async with session.begin_nested():
                await hook(session, message)
        except Exception as exc:
            log.exception("after sending %s %s to %s", message.kind, message.number, message.partner)
            self._retry(message, f"handling the answer failed: {type(exc).__name__}: {exc}")
            return
        now = datetime.now(UTC)
        if delivered:
            message.delivered_at, message.last_error = now, None
        else:
            message.refused_at, message.last_error = now, f"refused with {message.response_status}"

    def _retry(self, message: PartnerMessage, error: str) -> None:
        message.last_error = error[:2000]
        message.next_attempt_at = datetime.now(UTC) + backoff(message.attempts, self.base_delay, self.max_delay)
        log.info(
            "partner %s: %s %s not delivered (%s); attempt %d",
            message.partner,
            message.kind,
            message.number,
            error,
            message.attempts,
        )
