"""Stopping background tasks for sure.

Python 3.11's ``asyncio.wait_for`` can swallow a cancellation when what it waits for finishes at the
same moment (cpython gh-86296, fixed in 3.12), and aio-pika and aiormq connect through it. A loop such
as the broker probe then carries on as if it had never been cancelled, and a shutdown that cancels
once and waits hangs for ever: it hung a CI run in a test's teardown (reproduced: 2 hangs in 300
start-and-stop cycles of the probe against a real RabbitMQ). So a shutdown cancels, gives the tasks
``grace`` seconds to clean up (the relay and the consumers close their broker connection in up to 5 s),
cancels again every ``every`` seconds while one still runs, and after ``patience`` seconds gives up
loudly instead of hanging."""

import asyncio
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


async def stop_tasks(
    tasks: Iterable[asyncio.Task[object]], *, grace: float = 6.0, every: float = 0.2, patience: float = 12.0
) -> list[asyncio.Task[object]]:
    """Cancel ``tasks`` until they have all ended; returns those still running after ``patience``."""
    tasks = list(tasks)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    pending = {t for t in tasks if not t.done()}
    wait = min(grace, patience)  # the first cancellation's clean-up is not cut short
    while pending:
        left = deadline - loop.time()
        if left <= 0:
            log.error(
                "background tasks still running %.0f s after cancellation: %s",
                patience,
                ", ".join(sorted(t.get_name() for t in pending)),
            )
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=min(wait, left))
        wait = every
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("background task %s ended with an error", task.get_name(), exc_info=task.exception())
    return sorted(pending, key=lambda t: t.get_name())
