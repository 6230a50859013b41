"""Dead letters: list what a queue gave up on, and replay it onto the queue once the cause is fixed."""

import json
from dataclasses import dataclass
from typing import Any

import aio_pika

from medins.bus.topology import dead_letter_queue_name


@dataclass
class DeadLetter:
    message_id: str | None
    type: str | None
    reason: str | None
    count: int | None
    body: dict[str, Any] | str


def _death(headers: dict[str, Any]) -> tuple[str | None, int | None]:
    deaths = headers.get("x-death") or []
    if deaths and isinstance(deaths, list | tuple):
        first = deaths[0]
        return (
            str(first.get("reason")) if first.get("reason") else None,
            int(first["count"]) if first.get("count") is not None else None,
        )
    return (str(headers["x-first-death-reason"]) if headers.get("x-first-death-reason") else None, None)


async def list_dead_letters(amqp_url: str, queue_name: str, *, limit: int = 100) -> list[DeadLetter]:
    """Read up to ``limit`` dead letters without removing them (they are requeued on close)."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        channel = await connection.channel()
        dlq = await channel.declare_queue(
            dead_letter_queue_name(queue_name), durable=True, arguments={"x-queue-type": "quorum"}
        )
        out: list[DeadLetter] = []
        while len(out) < limit:
            message = await dlq.get(no_ack=False, fail=False, timeout=5)
            if message is None:
                break
            try:
                body: dict[str, Any] | str = json.loads(message.body)
            except ValueError:
                body = message.body.decode(errors="replace")
            reason, count = _death(dict(message.headers or {}))
            out.append(DeadLetter(message.message_id, message.type, reason, count, body))
        await channel.close()
        return out
    finally:
        await connection.close()


async def replay_dead_letters(amqp_url: str, queue_name: str, *, limit: int = 1000) -> int:
    """Move dead letters back to their queue (published with confirms, then acked). Returns the count."""
    connection = await aio_pika.connect(amqp_url, timeout=10)
    replayed = 0
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        dlq = await channel.declare_queue(
            dead_letter_queue_name(queue_name), durable=True, arguments={"x-queue-type": "quorum"}
        )
        while replayed < limit:
            message = await dlq.get(no_ack=False, fail=False, timeout=5)
            if message is None:
                break
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-")}
            headers["x-replayed"] = True
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body=message.body,
                    content_type=message.content_type,
                    message_id=message.message_id,
                    type=message.type,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    headers=headers,
                ),
                routing_key=queue_name,
                mandatory=True,
                timeout=15,
            )
            await message.ack()
            replayed += 1
        return replayed
    finally:
        await connection.close()
