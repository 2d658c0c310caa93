"""The key pool's rotation and rests."""

from __future__ import annotations

from core.errors import AuthenticationError, InvalidRequestError, RateLimitError, ServiceUnavailableError
from core.keys import RETRY_WINDOW, KeyPool, should_retry


def test_each_request_starts_one_key_further_round():
    pool = KeyPool(cooldown=300)
    keys = ("a", "b", "c")
    assert [pool.order(keys, 0, 3) for _ in range(4)] == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
    assert pool.order(keys, 0, 2) == ["b", "c"]


def test_a_rate_limited_key_rests_for_geminis_delay_and_a_bad_key_for_the_cooldown():
    pool = KeyPool(cooldown=300)
    pool.report("a", RateLimitError("slow down", retry_after=7), now=100)
    pool.report("b", AuthenticationError("bad key"), now=100)
    assert pool.order(("a", "b", "c"), 101, 3) == ["c", "a", "b"]  # resting keys last, soonest back first
    assert pool.order(("a", "b", "c"), 108, 3) in (["a", "c", "b"], ["c", "a", "b"])
    assert not pool.resting("a", 108) and pool.resting("b", 399) and not pool.resting("b", 401)
    pool.report("b", None, now=120)
    assert not pool.resting("b", 121)


def test_a_429_without_a_delay_rests_30_seconds_and_5xx_does_not_rest():
    pool = KeyPool(cooldown=300)
    pool.report("a", RateLimitError("slow down"), now=0)
    pool.report("b", ServiceUnavailableError("overloaded"), now=0)
    assert pool.resting("a", 29) and not pool.resting("a", 31) and not pool.resting("b", 1)


def test_only_key_and_transient_failures_are_retried_and_only_for_a_while():
    assert should_retry(RateLimitError("x"), 1) and should_retry(ServiceUnavailableError("x"), 1)
    assert should_retry(AuthenticationError("x"), 1)
    assert not should_retry(InvalidRequestError("x"), 1)
    assert not should_retry(RateLimitError("x"), RETRY_WINDOW + 1)


def test_the_pool_remembers_a_bounded_number_of_keys():
    pool = KeyPool(cooldown=300)
    for i in range(5000):
        pool.report(f"k{i}", AuthenticationError("x"), now=0)
    assert len(pool._resting) <= 4096
