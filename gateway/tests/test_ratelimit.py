"""Per-principal token buckets, on a clock the test moves (no sleeping, no timing)."""

import pytest

from gateway.ratelimit import RateLimited, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_minutes_worth_then_429_with_the_seconds_until_the_next_request():
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    for _ in range(6):
        limiter.hit("person:a", per_minute=6)
    with pytest.raises(RateLimited) as refused:
        limiter.hit("person:a", per_minute=6)
    assert refused.value.status == 429 and refused.value.retry_after == 10
    assert refused.value.to_problem()["code"] == "rate_limited"
    limiter.hit("person:b", per_minute=6)  # another principal has its own bucket
    clock.now += 9
    with pytest.raises(RateLimited) as still:
        limiter.hit("person:a", per_minute=6)
    assert still.value.retry_after == 1
    clock.now += 1
    limiter.hit("person:a", per_minute=6)


def test_the_bucket_refills_at_the_rate_and_never_beyond_a_minutes_worth():
    clock = Clock()
    limiter = RateLimiter(clock=clock)
    limiter.hit("k", per_minute=60)
    clock.now += 3600
    for _ in range(60):
        limiter.hit("k", per_minute=60)
    with pytest.raises(RateLimited):
        limiter.hit("k", per_minute=60)


def test_forgotten_buckets_start_full():
    limiter = RateLimiter(clock=Clock(), max_keys=2)
    limiter.hit("a", per_minute=1)
    limiter.hit("b", per_minute=1)
    limiter.hit("c", per_minute=1)  # "a" is forgotten
    limiter.hit("a", per_minute=1)
