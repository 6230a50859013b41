"""Per-principal rate limits: a token bucket per key, refilled continuously, in the gateway's memory.

A bucket holds ``per_minute`` requests and refills at ``per_minute / 60`` a second, so a client may burst
up to a minute's worth and then goes at its rate. When it is empty the request is refused with 429 and
``Retry-After`` (whole seconds until one request is available). Several gateway processes each keep their
own buckets: the limit a client sees is per process.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from medins.errors import ProblemError


class RateLimited(ProblemError):
    status = 429
    code = "rate_limited"
    title = "请求过于频繁"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"请求过于频繁，请 {retry_after} 秒后再试", extra={"retry_after": retry_after})
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self.clock = clock
        self.max_keys = max_keys
        # key -> (tokens, time of the last update)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def hit(self, key: str, per_minute: int) -> None:
        """Take one request from ``key``'s bucket, or raise RateLimited."""
        now = self.clock()
        capacity = float(per_minute)
        rate = per_minute / 60.0
        tokens, last = self._buckets.pop(key, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            raise RateLimited(max(1, math.ceil((1.0 - tokens) / rate)))
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
