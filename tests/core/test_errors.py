"""Every gateway error in each client's envelope (core/errors.py `envelope`)."""

from __future__ import annotations

import pytest

from core import errors


@pytest.mark.parametrize(("error", "status", "kind"), [
    (errors.InvalidRequestError("bad"), 400, "invalid_request_error"),
    (errors.AuthenticationError("who?"), 401, "authentication_error"),
    (errors.PermissionDeniedError("no"), 403, "permission_error"),
    (errors.NotFoundError("gone"), 404, "not_found_error"),
    (errors.MethodNotAllowedError("PUT", "/v1/messages", "POST"), 405, "invalid_request_error"),
    (errors.body_too_large(10), 413, "request_too_large"),
    (errors.RateLimitError("slow down", retry_after=3), 429, "rate_limit_error"),
    (errors.RateLimitError("no credits", code="insufficient_quota"), 402, "billing_error"),
    (errors.internal_error("r1"), 500, "api_error"),
    (errors.ConfigError("AUTH_TOKEN", "unset"), 500, "api_error"),
    (errors.UpstreamError("Gemini broke"), 502, "api_error"),
    (errors.ServiceUnavailableError("overloaded"), 529, "overloaded_error"),
    (errors.GatewayTimeoutError("slow"), 504, "timeout_error"),
])
def test_anthropic_s_envelope_and_statuses(error, status, kind):
    """https://docs.claude.com/en/api/errors; 529 is what Anthropic's clients retry as "overloaded"."""
    assert error.envelope("anthropic") == (status, {"type": "error", "error": {"type": kind, "message": error.message}})
    assert error.anthropic_status == status


def test_the_other_dialects_are_unchanged():
    error = errors.ServiceUnavailableError("overloaded")
    assert error.envelope("openai") == (503, error.to_dict())
    assert error.envelope("google") == (503, error.to_google_dict())
    assert errors.RateLimitError("x", retry_after=2.5).headers() == [("retry-after", "3")]
