"""A closed-loop HTTP load generator: N concurrent workers GET one URL for a fixed time.

Runs in its own process (``gateway_overhead.py`` starts it), so the load it makes and the servers it
measures never share an event loop. Only 200 responses count as requests done; every other status and
every connection error is reported under ``errors``. Prints one JSON object on stdout.

    python bench/loadgen.py URL --concurrency 32 --duration 10 [--header 'name: value' ...]
"""

import argparse
import asyncio
import json
import resource
import sys
import time
from collections import Counter

import aiohttp


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(url: str, headers: dict[str, str], concurrency: int, duration: float) -> dict[str, object]:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
        # open the connections before the clock starts
        async def first() -> None:
            async with session.get(url) as response:
                await response.read()

        await asyncio.gather(*(first() for _ in range(concurrency)), return_exceptions=True)
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        deadline = started + duration

        async def worker() -> None:
            perf_counter = time.perf_counter
            while True:
                sent = perf_counter()
                if sent >= deadline:
                    return
                try:
                    async with session.get(url) as response:
                        await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                    errors[type(exc).__name__] += 1
                    continue
                done = perf_counter()
                if done > deadline:  # finished after the window: neither counted nor timed
                    return
                if status == 200:
                    latencies.append(done - sent)
                else:
                    errors[f"HTTP {status}"] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_before
    latencies.sort()
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    return {
        "ok": len(latencies),
        "errors": dict(errors),
        "elapsed_s": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": None if p50 is None else p50 * 1000,
        "p99_ms": None if p99 is None else p99 * 1000,
        "client_cpu_s": cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="loadgen.py")
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--header", action="append", default=[], help="'name: value', repeatable")
    args = parser.parse_args(argv)
    headers = {}
    for item in args.header:
        name, _, value = item.partition(":")
        headers[name.strip()] = value.strip()
    job = run(args.url, headers, args.concurrency, args.duration)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(job)
    else:
        result = uvloop.run(job)
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
