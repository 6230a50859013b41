"""The consumer: handler changes and the inbox row commit together, then the message is acked.

A duplicate (same consumer, same event id) is acked and ignored. A handler that fails leaves the
message to be delivered again; after the queue's explicit delivery limit RabbitMQ moves it to the
dead-letter queue, where ``medins-admin dlq`` lists and replays it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from medins.bus.envelope import Envelope
from medins.bus.topology import declare_consumer_queue, declare_events_exchange

log = logging.getLogger("medins.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]

_INBOX = text(
    "INSERT INTO inbox (consumer, event_id, event_type) VALUES (:consumer, :event_id, :event_type) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    failed: int = 0
    rejected: int = 0
    redelivered: int = 0
    seen_ids: list[str] = field(default_factory=list)


class EventConsumer:
    """Consumes one durable quorum queue ``<service>.<purpose>``."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        amqp_url: str,
        queue_name: str,
        handlers: Mapping[str, Handler],
        exchange: str = "medins.events",
        delivery_limit: int = 5,
        prefetch: int = 20,
        retry_pause_seconds: float = 0.2,
        before_ack: Callable[[Envelope], None] | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.amqp_url = amqp_url
        self.queue_name = queue_name
        self.handlers = dict(handlers)
        self.exchange_name = exchange
        self.delivery_limit = delivery_limit
        self.prefetch = prefetch
        self.retry_pause_seconds = retry_pause_seconds
        self._before_ack = before_ack  # a fault-injection point for the reliability tests
        self.stats = ConsumerStats()
        self.ready = asyncio.Event()

    async def declare(self, connection: AbstractConnection) -> None:
        channel = await connection.channel()
        exchange = await declare_events_exchange(channel, self.exchange_name)
        await declare_consumer_queue(
            channel,
            exchange=exchange,
            queue_name=self.queue_name,
            routing_keys=list(self.handlers),
            delivery_limit=self.delivery_limit,
        )
        await channel.close()

    async def run(self) -> None:
        backoff = 0.5
        while True:
            connection: AbstractConnection | None = None
            try:
                connection = await aio_pika.connect(self.amqp_url, timeout=10)
                channel = await connection.channel()
                await channel.set_qos(prefetch_count=self.prefetch)
                exchange = await declare_events_exchange(channel, self.exchange_name)
                queue = await declare_consumer_queue(
                    channel,
                    exchange=exchange,
                    queue_name=self.queue_name,
                    routing_keys=list(self.handlers),
                    delivery_limit=self.delivery_limit,
                )
                closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

                def on_close(*_: object, closed: asyncio.Future[None] = closed) -> None:
                    if not closed.done():
                        closed.set_result(None)

                channel.close_callbacks.add(on_close)
                await queue.consume(self.handle)
                self.ready.set()
                backoff = 0.5
                log.info("consuming %s", self.queue_name)
                await closed
                raise ConnectionError("consumer channel closed")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.ready.clear()
                log.warning(
                    "consumer %s interrupted (%s: %s); retrying in %.1fs",
                    self.queue_name,
                    type(exc).__name__,
                    exc,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(10.0, backoff * 2)
            finally:
                if connection is not None and not connection.is_closed:
                    try:
                        await asyncio.wait_for(connection.close(), timeout=5)
                    except Exception as exc:
                        log.debug("closing consumer connection failed: %s", exc)

    async def handle(self, message: AbstractIncomingMessage) -> None:
        if message.redelivered:
            self.stats.redelivered += 1
        try:
            envelope = Envelope.model_validate_json(message.body)
        except ValidationError:
            log.error("malformed message %s on %s: dead-lettered", message.message_id, self.queue_name)
            self.stats.rejected += 1
            await message.reject(requeue=False)
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            log.error("no handler for %s on %s: dead-lettered", envelope.type, self.queue_name)
            self.stats.rejected += 1
            await message.reject(requeue=False)
            return
        try:
            duplicate = await self._apply(handler, envelope)
        except Exception:
            self.stats.failed += 1
            log.exception("handler for %s %s failed on %s", envelope.type, envelope.id, self.queue_name)
            await asyncio.sleep(self.retry_pause_seconds)
            await message.nack(requeue=True)
            return
        if self._before_ack is not None:
            self._before_ack(envelope)
        await message.ack()
        if duplicate:
            self.stats.duplicates += 1
        else:
            self.stats.handled += 1
            self.stats.seen_ids.append(str(envelope.id))

    async def _apply(self, handler: Handler, envelope: Envelope) -> bool:
        """Run the handler and record the inbox row in one transaction; True for a duplicate."""
        async with self.sessionmaker() as session, session.begin():
            inserted = await session.execute(
                _INBOX, {"consumer": self.queue_name, "event_id": envelope.id, "event_type": envelope.type}
            )
            if inserted.first() is None:
                return True
            await handler(session, envelope)
            return False
