"""Background tasks are stopped for sure at shutdown, even one that swallows a cancellation (as
aio-pika's connect can on Python 3.11, through ``asyncio.wait_for``), and a task that never stops is
reported instead of hanging the shutdown."""

import asyncio
import logging

import pytest

from medins.tasks import stop_tasks


async def test_a_task_that_swallows_its_first_cancellation_is_cancelled_again_until_it_ends():
    swallowed = 0

    async def loop_like_the_broker_probe() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(0.05)  # the "connect" that returns as the cancellation arrives
            except asyncio.CancelledError:
                if swallowed < 3:
                    swallowed += 1
                    continue
                raise

    task = asyncio.create_task(loop_like_the_broker_probe(), name="probe")
    await asyncio.sleep(0.01)
    # the old shutdown (cancel once, then wait) would wait for ever here
    assert await stop_tasks([task], grace=0.1, every=0.05, patience=5) == []
    assert swallowed == 3 and task.cancelled()


async def test_a_task_that_never_stops_is_named_and_returned_after_the_patience(caplog: pytest.LogCaptureFixture):
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn(), name="stubborn-consumer")
    await asyncio.sleep(0.01)  # started (a task cancelled before its first step just ends)
    with caplog.at_level(logging.ERROR, logger="medins.tasks"):
        left = await stop_tasks([task], grace=0.1, every=0.05, patience=0.3)
    assert left == [task] and not task.done()
    assert "stubborn-consumer" in caplog.text
    release.set()
    await task


async def test_finished_and_failed_tasks_are_collected_and_their_errors_logged(caplog: pytest.LogCaptureFixture):
    async def fails() -> None:
        raise RuntimeError("broker gone")

    failed = asyncio.create_task(fails(), name="relay")
    done = asyncio.create_task(asyncio.sleep(0), name="done")
    running = asyncio.create_task(asyncio.sleep(60), name="sleeper")
    await asyncio.sleep(0.01)
    with caplog.at_level(logging.ERROR, logger="medins.tasks"):
        assert await stop_tasks([failed, done, running], grace=0.5, patience=2) == []
    assert running.cancelled() and done.result() is None
    assert "relay ended with an error" in caplog.text and "broker gone" in caplog.text


async def test_the_first_cancellation_gets_its_grace_to_clean_up_before_the_next_one():
    closed = asyncio.Event()

    async def closes_its_connection_slowly() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(0.3)  # closing the broker connection; a second cancellation would cut it short
            closed.set()

    task = asyncio.create_task(closes_its_connection_slowly(), name="relay")
    await asyncio.sleep(0.01)
    assert await stop_tasks([task], grace=2, every=0.05, patience=5) == []
    assert closed.is_set() and task.cancelled()
