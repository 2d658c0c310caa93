"""The key pool: rotation, and rests per (key, model) that follow the quota Gemini names."""

from __future__ import annotations

import json

import pytest

from core.errors import (
    AuthenticationError,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
    error_from_gemini,
)
from core.keys import RETRY_WINDOW, KeyPool, should_retry
from core.pacific import next_pacific_midnight
from core.quota import Quota

FLASH = "gemini-3.8-flash"
LITE = "gemini-3.5-flash-lite"
NOON_UTC = 1796126400.0  # 2026-12-01 12:00:00Z (04:00 in Los Angeles, standard time)
MIDNIGHT_PT = 1796198400.0  # 2026-12-02 00:00 PST = 08:00Z
DAILY = Quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier", True, FLASH)
MINUTE = Quota("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", False, FLASH)


def daily(delay: float | None = 0.0) -> RateLimitError:
    return RateLimitError("quota", retry_after=delay, quota=DAILY)


# --- rotation (the current shells: no model) -----------------------------------------------------


def test_each_request_starts_one_key_further_round():
    pool = KeyPool(cooldown=300)
    keys = ("a", "b", "c")
    assert [pool.order(keys, 0, 3) for _ in range(4)] == [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]]
    assert pool.order(keys, 0, 2) == ["b", "c"]


def test_without_a_model_resting_keys_are_still_tried_last_soonest_back_first():
    pool = KeyPool(cooldown=300)
    pool.report("a", RateLimitError("slow down", retry_after=7), now=100)
    pool.report("b", AuthenticationError("bad key"), now=100)
    assert pool.order(("a", "b", "c"), 101, 3) == ["c", "a", "b"]
    assert pool.order(("a", "b", "c"), 108, 3) in (["a", "c", "b"], ["c", "a", "b"])
    assert not pool.resting("a", 108) and pool.resting("b", 399) and not pool.resting("b", 401)
    pool.report("b", None, now=120)
    assert not pool.resting("b", 121)


def test_a_429_without_a_delay_rests_30_seconds_and_5xx_does_not_rest():
    pool = KeyPool(cooldown=300)
    pool.report("a", RateLimitError("slow down"), now=0)
    pool.report("b", ServiceUnavailableError("overloaded"), now=0)
    assert pool.resting("a", 29) and not pool.resting("a", 31) and not pool.resting("b", 1)


# --- rests per (key, model) ----------------------------------------------------------------------


def test_a_per_minute_quota_rests_the_pair_for_geminis_delay_and_the_key_serves_other_models():
    pool = KeyPool(cooldown=300)
    note = pool.report("k1", RateLimitError("quota", retry_after=47, quota=MINUTE), NOON_UTC, model=FLASH)
    assert note is None or "k1" not in note
    assert pool.order(("k1", "k2"), NOON_UTC + 1, 3, model=FLASH) == ["k2"]
    assert pool.order(("k1", "k2"), NOON_UTC + 1, 3, model=LITE) in (["k1", "k2"], ["k2", "k1"])
    assert "k1" in pool.order(("k1", "k2"), NOON_UTC + 48, 3, model=FLASH)


def test_a_daily_quota_rests_the_pair_until_midnight_pacific_even_when_gemini_says_0s():
    pool = KeyPool(cooldown=300)
    pool.order(("k1", "k2"), NOON_UTC, 3, model=FLASH)
    note = pool.report("k1", daily(0.0), NOON_UTC, model=FLASH)
    assert note == "key 1: GenerateRequestsPerDayPerProjectPerModel-FreeTier (gemini-3.8-flash), rests until 08:00Z"
    for later in (1, 60, 3600, MIDNIGHT_PT - NOON_UTC - 1):
        assert pool.order(("k1", "k2"), NOON_UTC + later, 3, model=FLASH) == ["k2"]
    assert "k1" in pool.order(("k1", "k2"), MIDNIGHT_PT, 3, model=FLASH)
    assert pool.order(("k1",), NOON_UTC + 5, 3, model=LITE) == ["k1"]  # other models are another quota


def test_a_daily_quota_in_summer_rests_until_07_00z():
    july = 1782907200.0  # 2026-07-01 12:00:00Z, daylight time in Los Angeles
    pool = KeyPool(cooldown=300)
    pool.report("k", daily(), july, model=FLASH)
    assert pool.health(("k",), july)[0]["models"] == {FLASH: 1782975600.0}  # 2026-07-02 07:00Z


def test_a_later_retry_delay_than_midnight_is_kept():
    pool = KeyPool(cooldown=300)
    pool.report("k", daily(MIDNIGHT_PT - NOON_UTC + 600), NOON_UTC, model=FLASH)
    assert pool.resting("k", MIDNIGHT_PT + 599, model=FLASH) and not pool.resting("k", MIDNIGHT_PT + 601, model=FLASH)


def test_the_quota_is_rested_under_the_model_it_names_too():
    # A request for gemini-flash-latest is counted against gemini-3.8-flash's quota.
    pool = KeyPool(cooldown=300)
    pool.report("k", daily(), NOON_UTC, model="gemini-flash-latest")
    assert pool.resting("k", NOON_UTC + 1, model="gemini-flash-latest") and pool.resting("k", NOON_UTC + 1, model=FLASH)


def test_a_429_that_says_0s_still_rests_a_second():
    pool = KeyPool(cooldown=300)
    pool.report("k", RateLimitError("quota", retry_after=0.0, quota=MINUTE), 100.0, model=FLASH)
    assert pool.order(("k",), 100.5, 3, model=FLASH) == [] and pool.order(("k",), 101.0, 3, model=FLASH) == ["k"]


@pytest.mark.parametrize(("error", "note"), [
    (AuthenticationError("API key not valid."), "key 2: invalid or suspended, rests 300 s"),
    (error_from_gemini(403, b'{"error": {"code": 403, "status": "PERMISSION_DENIED", '
                            b'"message": "Consumer api_key:x has been suspended."}}'),
     "key 2: permission denied for its project, rests 300 s"),
    (RateLimitError("no credits", code="insufficient_quota"), "key 2: prepaid credits exhausted, rests 300 s"),
])
def test_a_bad_key_or_a_403_rests_that_key_for_every_model(error, note):
    pool = KeyPool(cooldown=300)
    pool.order(("k1", "k2", "k3"), 0, 3, model=FLASH)
    assert pool.report("k2", error, 0, model=FLASH) == note
    for model in (FLASH, LITE, None):
        assert "k2" not in pool.order(("k1", "k2", "k3"), 1, 3, model=model)[:2]
        assert pool.resting("k2", 299, model=model) and not pool.resting("k2", 301, model=model)
    assert sorted(pool.order(("k1", "k2", "k3"), 1, 3, model=LITE)) == ["k1", "k3"]


def test_a_success_clears_the_pair():
    pool = KeyPool(cooldown=300)
    pool.report("k", RateLimitError("quota", retry_after=60, quota=MINUTE), 0, model=FLASH)
    pool.report("k", None, 1, model=FLASH)
    assert pool.order(("k",), 2, 3, model=FLASH) == ["k"]


def test_notes_never_carry_the_key():
    pool = KeyPool(cooldown=300)
    key = "AIzaSyFAKE-never-in-a-log-0000000000000"
    for error in (daily(), AuthenticationError("x"), RateLimitError("x", retry_after=3)):
        note = pool.report(key, error, NOON_UTC, model=FLASH)
        assert note and key not in note and "AIza" not in note
    assert pool.report(key, ServiceUnavailableError("x"), NOON_UTC) is None and pool.report(None, daily(), 0) is None


# --- when every key rests ------------------------------------------------------------------------


def test_when_every_key_rests_the_refusal_is_a_429_with_the_earliest_wake_up():
    pool = KeyPool(cooldown=300)
    keys = ("k1", "k2")
    pool.report("k1", daily(), NOON_UTC, model=FLASH)
    pool.report("k2", RateLimitError("quota", retry_after=90, quota=MINUTE), NOON_UTC, model=FLASH)
    assert pool.order(keys, NOON_UTC + 10, 3, model=FLASH) == []
    refusal = pool.refusal(keys, NOON_UTC + 10, model=FLASH)
    assert isinstance(refusal, RateLimitError) and refusal.status == 429
    assert refusal.retry_after == 80 and refusal.headers() == [("retry-after", "80")]
    assert "gemini-3.8-flash" in refusal.message and "k1" not in refusal.message


def test_a_daily_refusal_says_when_the_quota_comes_back():
    pool = KeyPool(cooldown=300)
    pool.report("k1", daily(), NOON_UTC, model=FLASH)
    refusal = pool.refusal(("k1",), NOON_UTC + 1, model=FLASH)
    assert refusal.retry_after == MIDNIGHT_PT - NOON_UTC - 1
    assert "08:00Z" in refusal.message and "GenerateRequestsPerDayPerProjectPerModel-FreeTier" in refusal.message


def test_when_every_key_is_invalid_the_refusal_is_the_auth_error():
    pool = KeyPool(cooldown=300)
    pool.report("k1", AuthenticationError("API key not valid."), 0, model=FLASH)
    pool.report("k2", project_denied(), 0, model=FLASH)
    assert pool.order(("k1", "k2"), 1, 3, model=FLASH) == []
    assert isinstance(pool.refusal(("k1", "k2"), 1, model=FLASH), AuthenticationError)
    pool2 = KeyPool(cooldown=300)
    pool2.report("k", project_denied(), 0)
    assert isinstance(pool2.refusal(("k",), 1), PermissionDeniedError)


def project_denied() -> PermissionDeniedError:
    error = PermissionDeniedError("Generative Language API has not been used in project 1 before or it is disabled.")
    error.project = True
    return error


def test_a_403_about_one_resource_does_not_set_the_key_aside():
    # "You do not have permission to access the File x or it may not exist" (a file of another project)
    pool = KeyPool(cooldown=300)
    error = error_from_gemini(403, b'{"error": {"code": 403, "status": "PERMISSION_DENIED", '
                                   b'"message": "You do not have permission to access the File abc or it may not exist."}}')
    assert isinstance(error, PermissionDeniedError) and not error.project
    assert pool.report("k", error, 0, model=FLASH) is None and pool.order(("k",), 1, 3, model=FLASH) == ["k"]


# --- health --------------------------------------------------------------------------------------


def test_health_names_positions_never_keys():
    pool = KeyPool(cooldown=300)
    pool.report("k1", daily(), NOON_UTC, model=FLASH)
    pool.report("k2", AuthenticationError("x"), NOON_UTC, model=FLASH)
    pool.report("k3", RateLimitError("no credits", code="insufficient_quota"), NOON_UTC)
    health = pool.health(("k1", "k2", "k3", "k4"), NOON_UTC + 1)
    assert health == [
        {"position": 1, "state": "ok", "until": None, "models": {FLASH: MIDNIGHT_PT},
         "note": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"},
        {"position": 2, "state": "invalid", "until": NOON_UTC + 300, "models": {}, "note": "invalid or suspended"},
        {"position": 3, "state": "resting", "until": NOON_UTC + 300, "models": {}, "note": "prepaid credits exhausted"},
        {"position": 4, "state": "ok", "until": None, "models": {}, "note": None},
    ]
    assert "k1" not in json.dumps(health)


# --- a real 429 all the way through ---------------------------------------------------------------

# From https://github.com/googleapis/python-genai/issues/2044 (a per-day and two per-minute quotas at once).
REAL_429 = {"error": {"code": 429, "message": "You exceeded your current quota, please check your plan and billing details.",
                      "status": "RESOURCE_EXHAUSTED", "details": [
    {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"description": "Learn more about Gemini API quotas",
                                                               "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
         "quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
         "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"}},
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
         "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
         "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"}},
        {"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count",
         "quotaId": "GenerateContentInputTokensPerModelPerMinute-FreeTier",
         "quotaDimensions": {"location": "global", "model": "gemini-2.0-flash"}}]},
    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "47s"}]}}


def test_a_real_429_rests_its_pair_until_midnight():
    error = error_from_gemini(429, json.dumps(REAL_429).encode())
    pool = KeyPool(cooldown=300)
    pool.order(("k1", "k2"), NOON_UTC, 3, model="gemini-2.0-flash")
    note = pool.report("k2", error, NOON_UTC, model="gemini-2.0-flash")
    assert note == "key 2: GenerateRequestsPerDayPerProjectPerModel-FreeTier (gemini-2.0-flash), rests until 08:00Z"
    assert pool.resting("k2", next_pacific_midnight(NOON_UTC) - 1, model="gemini-2.0-flash")


# --- retries and memory --------------------------------------------------------------------------


def test_only_key_and_transient_failures_are_retried_and_only_for_a_while():
    assert should_retry(RateLimitError("x"), 1) and should_retry(ServiceUnavailableError("x"), 1)
    assert should_retry(AuthenticationError("x"), 1)
    assert not should_retry(InvalidRequestError("x"), 1)
    assert not should_retry(RateLimitError("x"), RETRY_WINDOW + 1)


def test_the_pool_remembers_a_bounded_number_of_rests():
    pool = KeyPool(cooldown=300)
    for i in range(5000):
        pool.report(f"k{i}", AuthenticationError("x"), now=0)
        pool.report(f"k{i}", daily(), now=0, model=FLASH)
        pool.order((f"k{i}",), 0, 1)
    assert len(pool._keys) + len(pool._pairs) <= 4096 and len(pool._positions) <= 4096
