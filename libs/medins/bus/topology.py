"""Exchanges and queues, declared with explicit arguments (RabbitMQ 3.10 and 4.x differ in defaults)."""

from aio_pika import ExchangeType
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue
from pamqp.common import FieldTable

DEAD_LETTER_EXCHANGE = "medins.dlx"


async def declare_events_exchange(channel: AbstractChannel, name: str) -> AbstractExchange:
    return await channel.declare_exchange(name, ExchangeType.TOPIC, durable=True)


def queue_arguments(queue_name: str, delivery_limit: int) -> FieldTable:
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": delivery_limit,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": queue_name,
    }


def dead_letter_queue_name(queue_name: str) -> str:
    return f"{queue_name}.dlq"


async def declare_consumer_queue(
    channel: AbstractChannel,
    *,
    exchange: AbstractExchange,
    queue_name: str,
    routing_keys: list[str],
    delivery_limit: int,
) -> AbstractQueue:
    """One durable quorum queue per (service, purpose), with its dead-letter queue beside it."""
    dlx = await channel.declare_exchange(DEAD_LETTER_EXCHANGE, ExchangeType.DIRECT, durable=True)
    dlq = await channel.declare_queue(
        dead_letter_queue_name(queue_name), durable=True, arguments={"x-queue-type": "quorum"}
    )
    await dlq.bind(dlx, routing_key=queue_name)
    queue = await channel.declare_queue(queue_name, durable=True, arguments=queue_arguments(queue_name, delivery_limit))
    for key in routing_keys:
        await queue.bind(exchange, routing_key=key)
    return queue
