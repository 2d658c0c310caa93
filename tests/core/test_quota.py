"""What a Gemini 429 says about its quota, and waits that cannot crash anything."""

from __future__ import annotations

import json

import pytest

from core.errors import PermissionDeniedError, RateLimitError, error_from_gemini
from core.quota import MAX_RETRY_DELAY, Quota, quota_from_error, retry_delay

from .test_keys import REAL_429

RETRY = "type.googleapis.com/google.rpc.RetryInfo"
FAILURE = "type.googleapis.com/google.rpc.QuotaFailure"


def rate_limited(details: list, message: str = "You exceeded your current quota.") -> RateLimitError:
    body = {"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED", "details": details}}
    error = error_from_gemini(429, json.dumps(body).encode())
    assert isinstance(error, RateLimitError)
    return error


def test_a_real_429_names_its_daily_quota_and_model():
    # https://github.com/googleapis/python-genai/issues/2044: a per-day violation outlasts the per-minute ones.
    error = error_from_gemini(429, json.dumps(REAL_429).encode())
    assert error.quota == Quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier", True, "gemini-2.0-flash")
    assert error.retry_after == 47 and error.headers() == [("retry-after", "47")]


def test_a_per_minute_quota():
    # https://github.com/RooCodeInc/Roo-Code/issues/3883
    error = rate_limited([
        {"@type": FAILURE, "violations": [{
            "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count",
            "quotaId": "GenerateContentInputTokensPerModelPerMinute-FreeTier",
            "quotaDimensions": {"location": "global", "model": "gemini-2.5-flash"}, "quotaValue": "250000"}]},
        {"@type": RETRY, "retryDelay": "26s"}])
    assert error.quota == Quota("GenerateContentInputTokensPerModelPerMinute-FreeTier", False, "gemini-2.5-flash")
    assert error.retry_after == 26


def test_the_older_error_info_form():
    # google-gemini/deprecated-generative-ai-python#206: the quota in ErrorInfo metadata.
    error = rate_limited([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
                           "metadata": {"quota_limit": "GenerateContentRequestsPerMinutePerProjectPerRegion"}}])
    assert error.quota == Quota("GenerateContentRequestsPerMinutePerProjectPerRegion", False, None)
    assert error.retry_after is None and error.headers() == []


def test_the_wait_in_the_message():
    # https://github.com/continuedev/continue/issues/11693
    message = ("You exceeded your current quota, please check your plan and billing details. \n* Quota exceeded for metric: "
               "generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.5-pro\n"
               "Please retry in 38.962214405s.")
    error = rate_limited([], message)
    assert error.retry_after == pytest.approx(38.962214405) and error.headers() == [("retry-after", "39")]
    assert error.quota is None


@pytest.mark.parametrize("delay", ["NaNs", "nans", "infs", "-infs", "Infinitys", "-5s", "1e400s", "5", "", "s", "12ms", " ", "0x10s"])
def test_a_wait_that_is_not_a_number_is_no_wait(delay):
    error = rate_limited([{"@type": RETRY, "retryDelay": delay}])
    assert error.retry_after is None and error.headers() == []
    assert retry_delay([{"retryDelay": delay}], "") is None


def test_a_wait_that_is_not_a_string_is_no_wait():
    for delay in (float("nan"), float("inf"), 5, None, ["5s"], {"seconds": 5}):
        assert retry_delay([{"retryDelay": delay}], "") is None


def test_an_absurd_wait_is_capped():
    assert rate_limited([{"@type": RETRY, "retryDelay": "999999999999s"}]).retry_after == MAX_RETRY_DELAY
    assert retry_delay([], "Please retry in 99999999999.5s.") == MAX_RETRY_DELAY
    assert retry_delay([{"retryDelay": "0s"}], "") == 0.0 and retry_delay([{"retryDelay": "0.2s"}], "") == 0.2


def test_a_rate_limit_error_refuses_a_nonsense_wait_itself():
    for wait in (float("nan"), float("inf"), -1.0):
        error = RateLimitError("x", retry_after=wait)
        assert error.retry_after is None and error.headers() == []


def test_bad_quota_details_are_ignored():
    assert quota_from_error([{"@type": FAILURE, "violations": "x"}, {"@type": FAILURE, "violations": [1, {"quotaId": 5}]}]) is None
    assert quota_from_error([{"@type": FAILURE, "violations": [{"quotaId": "X" * 500, "quotaDimensions": "y"}]}]).quota_id == "X" * 120


def test_a_key_in_geminis_message_is_masked():
    # https://github.com/continuedev/continue/issues/10902 (the key is a fake here)
    fake = "AIzaSyFAKEFAKEFAKEFAKEFAKEFAKEFAKE000000"
    body = {"error": {"code": 403, "message": f"Permission denied: Consumer 'api_key:{fake}' has been suspended.",
                      "status": "PERMISSION_DENIED", "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                                                                  "reason": "CONSUMER_SUSPENDED"}]}}
    error = error_from_gemini(403, json.dumps(body).encode())
    assert isinstance(error, PermissionDeniedError)
    assert error.message == "Permission denied: Consumer 'api_key:[redacted]' has been suspended."
    assert fake not in json.dumps(error.to_dict())
    bare = error_from_gemini(400, json.dumps({"error": {"code": 400, "message": f"key {fake} is odd", "status": "INVALID_ARGUMENT"}}))
    assert fake not in bare.message and "[redacted]" in bare.message
