"""The outbox relay: claims unsent rows, publishes with confirms, marks them sent only on confirm.

Rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several relays (one per service process, or
more) never publish the same row at the same time. Messages are persistent and mandatory; a
message the broker returns (no queue bound) or refuses stays in the outbox and is retried with
back-off. A broken connection is re-opened with back-off, for ever: nothing committed is dropped.
"""

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange
from aio_pika.exceptions import DeliveryError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from medins.bus.topology import declare_events_exchange

log = logging.getLogger("medins.relay")

_CLAIM = text(
    "SELECT id, type, body, attempts FROM outbox "
    "WHERE sent_at IS NULL AND next_attempt_at <= now() "
    "ORDER BY created_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK_SENT = text("UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY(:ids)")
_MARK_FAILED = text(
    "UPDATE outbox SET attempts = attempts + 1, last_error = :error, next_attempt_at = now() + :delay WHERE id = :id"
)

MAX_ROW_BACKOFF_SECONDS = 300.0
MAX_CONNECT_BACKOFF_SECONDS = 10.0


def row_backoff(attempts: int) -> timedelta:
    """Delay before retrying a row the broker refused: 1 s, 2 s, 4 s ... up to 5 minutes."""
    return timedelta(seconds=min(MAX_ROW_BACKOFF_SECONDS, 2.0 ** min(attempts, 16)))


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        amqp_url: str,
        *,
        exchange: str = "medins.events",
        batch_size: int = 200,
        idle_seconds: float = 0.2,
        before_publish: Callable[[Sequence[Any]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.amqp_url = amqp_url
        self.exchange_name = exchange
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self._before_publish = before_publish  # a fault-injection point for the reliability tests
        self._wake = asyncio.Event()
        self.published = 0

    def wake(self) -> None:
        """Called after a commit that wrote outbox rows, so they leave without waiting for the poll."""
        self._wake.set()

    async def run(self) -> None:
        backoff = 0.5
        while True:
            connection: AbstractConnection | None = None
            try:
                connection = await aio_pika.connect(self.amqp_url, timeout=10)
                channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
                exchange = await declare_events_exchange(channel, self.exchange_name)
                backoff = 0.5
                log.info("relay connected")
                await self._loop(channel, exchange)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database unavailable: retry for ever
                log.warning("relay interrupted (%s: %s); retrying in %.1fs", type(exc).__name__, exc, backoff)
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(MAX_CONNECT_BACKOFF_SECONDS, backoff * 2)
            finally:
                if connection is not None and not connection.is_closed:
                    try:
                        await asyncio.wait_for(connection.close(), timeout=5)
                    except Exception as exc:
                        log.debug("closing relay connection failed: %s", exc)

    async def _loop(self, channel: AbstractChannel, exchange: AbstractExchange) -> None:
        while True:
            if channel.is_closed:
                raise ConnectionError("relay channel closed")
            sent = await self.relay_once(exchange)
            if sent < self.batch_size:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self.idle_seconds)
                except TimeoutError:
                    pass

    async def relay_once(self, exchange: AbstractExchange) -> int:
        """Publish one batch; returns how many rows were claimed."""
        connection_error: BaseException | None = None
        async with self.engine.begin() as conn:
            rows = (await conn.execute(_CLAIM, {"limit": self.batch_size})).all()
            if not rows:
                return 0
            if self._before_publish is not None:
                self._before_publish(rows)
            results = await asyncio.gather(*(self._publish(exchange, row) for row in rows), return_exceptions=True)
            sent_ids = []
            for row, result in zip(rows, results, strict=True):
                if result is None:
                    sent_ids.append(row.id)
                elif isinstance(result, DeliveryError):
                    await conn.execute(
                        _MARK_FAILED,
                        {
                            "id": row.id,
                            "error": f"returned by broker: {result}"[:500],
                            "delay": row_backoff(row.attempts),
                        },
                    )
                elif isinstance(result, BaseException):
                    # connection-level failure: leave the row for the next connection, no per-row delay
                    connection_error = result
            if sent_ids:
                await conn.execute(_MARK_SENT, {"ids": sent_ids})
        self.published += len(sent_ids)
        if connection_error is not None:
            raise ConnectionError(f"publish failed: {connection_error!r}")
        return len(rows)

    async def _publish(self, exchange: AbstractExchange, row: Any) -> None:
        message = aio_pika.Message(
            body=row.body.encode(),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=str(row.id),
            type=row.type,
        )
        await exchange.publish(message, routing_key=row.type, mandatory=True, timeout=15)
