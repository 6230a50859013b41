"""Processes that crash on purpose, for ``test_bus_reliability.py`` (run as a script, not collected).

``python bus_faults.py relay DB_URL AMQP_URL EXCHANGE``
    an outbox relay that claims a batch and exits 70 before publishing any of it;
``python bus_faults.py consumer DB_URL AMQP_URL EXCHANGE QUEUE EVENT_TYPE``
    a consumer whose handler commits (counter row + inbox row) and which exits 71 before the ack.

Either exits 2 when it has not crashed within 60 s (the test then fails on the exit code).
"""

import asyncio
import logging
import os
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from medins.bus.consumer import EventConsumer
from medins.bus.envelope import Envelope
from medins.bus.relay import OutboxRelay
from medins.db import make_engine, make_sessionmaker

RELAY_CRASH = 70
CONSUMER_CRASH = 71
GAVE_UP = 2

# the same statement as COUNT_ONE in test_bus_reliability.py
COUNT_ONE = text(
    "INSERT INTO bus_test_counter (event_id, n) VALUES (:id, 1) "
    "ON CONFLICT (event_id) DO UPDATE SET n = bus_test_counter.n + 1"
)


async def count_one(session: AsyncSession, envelope: Envelope) -> None:
    await session.execute(COUNT_ONE, {"id": envelope.id})


async def crash_relay(db_url: str, amqp_url: str, exchange: str) -> None:
    engine = make_engine(db_url)
    relay = OutboxRelay(engine, amqp_url, exchange=exchange, before_publish=lambda rows: os._exit(RELAY_CRASH))
    async with asyncio.timeout(60):
        await relay.run()


async def crash_consumer(db_url: str, amqp_url: str, exchange: str, queue: str, event_type: str) -> None:
    engine = make_engine(db_url)
    consumer = EventConsumer(
        sessionmaker=make_sessionmaker(engine),
        amqp_url=amqp_url,
        queue_name=queue,
        exchange=exchange,
        handlers={event_type: count_one},
        before_ack=lambda envelope: os._exit(CONSUMER_CRASH),
    )
    async with asyncio.timeout(60):
        await consumer.run()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        if argv[0] == "relay":
            asyncio.run(crash_relay(*argv[1:4]))
        elif argv[0] == "consumer":
            asyncio.run(crash_consumer(*argv[1:6]))
        else:
            print(f"unknown fault {argv[0]!r}", file=sys.stderr)
    except TimeoutError:
        print("no crash within 60 s", file=sys.stderr)
    return GAVE_UP


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
