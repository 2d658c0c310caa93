"""Every error the gateway answers, and the one place they become the client's error envelope.

    GatewayError                      500 server_error
    ├── InvalidRequestError           400 invalid_request_error   (bad client input; names `param`)
    ├── AuthenticationError           401 invalid_request_error   (missing or wrong key / token)
    ├── PermissionDeniedError         403 permission_error
    ├── NotFoundError                 404 invalid_request_error   (unknown route or model)
    ├── MethodNotAllowedError         405 invalid_request_error
    ├── RequestTimeoutError           408 invalid_request_error   (the request body arrived too slowly)
    ├── RequestTooLargeError          413 invalid_request_error
    ├── RateLimitError                429 rate_limit_error        (carries `retry_after` seconds)
    ├── UpstreamError                 502 server_error            (Gemini failed or answered garbage)
    ├── ServiceUnavailableError       503 server_error            (Gemini overloaded)
    ├── GatewayTimeoutError           504 server_error
    └── ConfigError                   500 server_error            (the deployment's settings are wrong)

`error_from_gemini` turns a Gemini error body (the `google.rpc.Status` envelope) into one of
these, by table, keeping Gemini's own message (with any API key in it masked); `transport_error`
does the same for a shell's failure to reach Gemini at all, named by kind (the shells translate
their own exceptions into `TRANSPORT_KINDS`). Each error renders in the envelope of the API the
client speaks (`error.envelope(dialect)`): OpenAI's (`to_dict`), Google's for Gemini's own routes
(`to_google_dict`) or Anthropic's (`to_anthropic_dict`, with Anthropic's own statuses: 503 becomes
529 overloaded_error).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .quota import Quota

__all__ = [
    "TRANSPORT_KINDS",
    "AuthenticationError",
    "ConfigError",
    "GatewayError",
    "GatewayTimeoutError",
    "InvalidRequestError",
    "MethodNotAllowedError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeoutError",
    "RequestTooLargeError",
    "ServiceUnavailableError",
    "UpstreamError",
    "body_too_large",
    "body_too_slow",
    "describe_exception",
    "error_from_gemini",
    "internal_error",
    "transport_error",
    "upstream_not_json",
    "upstream_timeout",
    "upstream_unreachable",
]


class GatewayError(Exception):
    """An error with an HTTP status that renders as the OpenAI error envelope."""

    status = 500
    type = "server_error"
    default_code: str | None = None

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code if code is not None else self.default_code

    def to_dict(self) -> dict[str, Any]:
        """The OpenAI error envelope: `{"error": {"message", "type", "param", "code"}}`."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def to_google_dict(self) -> dict[str, Any]:
        """Google's error envelope, for clients of the native API: `{"error": {"code", "message", "status"}}`."""
        return {"error": {"code": self.status, "message": self.message, "status": _GOOGLE_STATUS.get(self.status, "UNKNOWN")}}

    @property
    def anthropic_status(self) -> int:
        """The HTTP status of this error in Anthropic's API (its statuses differ from ours at 503, 402)."""
        return _anthropic(self)[0]

    def to_anthropic_dict(self) -> dict[str, Any]:
        """Anthropic's error envelope, for Messages API clients: `{"type": "error", "error": {"type", "message"}}`."""
        return {"type": "error", "error": {"type": _anthropic(self)[1], "message": self.message}}

    def envelope(self, dialect: str) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body) in the error format of `dialect`: "openai", "google" or "anthropic"."""
        if dialect == "anthropic":
            return self.anthropic_status, self.to_anthropic_dict()
        return self.status, self.to_google_dict() if dialect == "google" else self.to_dict()

    def headers(self) -> list[tuple[str, str]]:
        """Extra response headers this error asks for (e.g. `Retry-After`)."""
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, param={self.param!r}, code={self.code!r})"


class InvalidRequestError(GatewayError):
    status = 400
    type = "invalid_request_error"


class AuthenticationError(GatewayError):
    status = 401
    type = "invalid_request_error"
    default_code = "invalid_api_key"


class PermissionDeniedError(GatewayError):
    status = 403
    type = "permission_error"
    project = False  # Gemini refused the key's whole project (suspended, API disabled), not one resource


class NotFoundError(GatewayError):
    status = 404
    type = "invalid_request_error"


class MethodNotAllowedError(GatewayError):
    status = 405
    type = "invalid_request_error"
    default_code = "method_not_allowed"

    def __init__(self, method: str, path: str, allowed: str) -> None:
        super().__init__(f"{method[:16]} is not allowed on {path[:100]}; use {allowed}.")
        self.allowed = allowed

    def headers(self) -> list[tuple[str, str]]:
        return [("allow", f"{self.allowed}, OPTIONS")]


class RequestTimeoutError(GatewayError):
    status = 408
    type = "invalid_request_error"
    default_code = "request_timeout"


class RequestTooLargeError(GatewayError):
    status = 413
    type = "invalid_request_error"
    default_code = "request_too_large"


class RateLimitError(GatewayError):
    status = 429
    type = "rate_limit_error"
    default_code = "rate_limit_exceeded"

    def __init__(
        self, message: str, *, retry_after: float | None = None, code: str | None = None, quota: Quota | None = None
    ) -> None:
        super().__init__(message, code=code)
        # Only a finite, non-negative wait is one (an upstream "NaNs" must not reach a header).
        self.retry_after = retry_after if retry_after is not None and 0 <= retry_after < float("inf") else None
        self.quota = quota  # the quota Gemini named (core/quota.py), for the key pool and the log

    def to_google_dict(self) -> dict[str, Any]:
        """Google's envelope, with the wait as Gemini's own 429s carry it (`google.rpc.RetryInfo`)."""
        body = super().to_google_dict()
        if self.retry_after is not None:
            delay = f"{max(1, -int(-self.retry_after // 1))}s"
            body["error"]["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}]
        return body

    def headers(self) -> list[tuple[str, str]]:
        if self.retry_after is None:
            return []
        # Retry-After takes whole seconds (RFC 9110 §10.2.3); round up so clients never retry early.
        return [("retry-after", str(max(1, -int(-self.retry_after // 1))))]


class UpstreamError(GatewayError):
    status = 502
    type = "server_error"
    default_code = "upstream_error"


class ServiceUnavailableError(GatewayError):
    status = 503
    type = "server_error"
    default_code = "service_unavailable"


class GatewayTimeoutError(GatewayError):
    status = 504
    type = "server_error"
    default_code = "upstream_timeout"


class ConfigError(GatewayError):
    """A setting is invalid or unsafe; the message names the environment variable and the fix."""

    status = 500
    type = "server_error"
    default_code = "gateway_misconfigured"

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


# HTTP status → the google.rpc code name Google's own errors carry (https://google.aip.dev/193).
_GOOGLE_STATUS = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    405: "NOT_FOUND", 408: "DEADLINE_EXCEEDED", 413: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE",
    503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}

# Our status → (status, error type) in Anthropic's API (https://docs.claude.com/en/api/errors:
# invalid_request_error "also for other 4XX status codes not listed", 413 request_too_large, 500
# api_error, 529 overloaded_error; 504 timeout_error and 402 billing_error from the SDKs' ErrorType).
# Gemini's 503 "The model is overloaded" is what Anthropic calls 529, which its clients retry as such.
_ANTHROPIC = {
    400: (400, "invalid_request_error"), 401: (401, "authentication_error"), 403: (403, "permission_error"),
    404: (404, "not_found_error"), 405: (405, "invalid_request_error"), 413: (413, "request_too_large"),
    429: (429, "rate_limit_error"), 500: (500, "api_error"), 502: (502, "api_error"), 503: (529, "overloaded_error"),
    504: (504, "timeout_error"),
}


def _anthropic(error: GatewayError) -> tuple[int, str]:
    if error.code == "insufficient_quota":  # prepaid credits are gone: retrying cannot help
        return 402, "billing_error"
    return _ANTHROPIC.get(error.status, (error.status, "api_error" if error.status >= 500 else "invalid_request_error"))


# Gemini's canonical status names → our error class, for statuses whose HTTP code alone
# does not tell (https://ai.google.dev/gemini-api/docs/troubleshooting#error-codes).
_BY_GEMINI_STATUS: dict[str, type[GatewayError]] = {
    "INVALID_ARGUMENT": InvalidRequestError,
    "FAILED_PRECONDITION": InvalidRequestError,
    "OUT_OF_RANGE": InvalidRequestError,
    "UNAUTHENTICATED": AuthenticationError,
    "PERMISSION_DENIED": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "RESOURCE_EXHAUSTED": RateLimitError,
    "CANCELLED": UpstreamError,
    "INTERNAL": UpstreamError,
    "UNKNOWN": UpstreamError,
    "UNAVAILABLE": ServiceUnavailableError,
    "DEADLINE_EXCEEDED": GatewayTimeoutError,
}

_BY_HTTP_STATUS: dict[int, type[GatewayError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    402: RateLimitError,  # prepaid credits exhausted: OpenAI's `insufficient_quota` is a 429 too
    403: PermissionDeniedError,
    404: NotFoundError,
    413: RequestTooLargeError,
    429: RateLimitError,
    503: ServiceUnavailableError,
    504: GatewayTimeoutError,
}

# Reasons in `google.rpc.ErrorInfo` that mean the key itself is bad. Gemini answers an invalid
# key with 400 INVALID_ARGUMENT, which must still reach the client as a 401.
_BAD_KEY_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_SERVICE_BLOCKED", "API_KEY_HTTP_REFERRER_BLOCKED"})
# A 403 about the key's project as a whole, as opposed to one resource (a file of another project):
# `google.rpc.ErrorInfo` reasons (https://cloud.google.com/apis/design/errors#error_info), or the words
# of a suspended consumer's message ("Consumer 'api_key:…' has been suspended.").
_PROJECT_REASONS = frozenset({"CONSUMER_SUSPENDED", "SERVICE_DISABLED", "BILLING_DISABLED", "CONSUMER_INVALID", "USER_PROJECT_DENIED"})
_PROJECT_WORDS = re.compile(r"has been suspended|has not been used in project|is disabled|billing", re.IGNORECASE)

# A key inside Gemini's own message ("Permission denied: Consumer 'api_key:AIza...' has been
# suspended.", continuedev/continue#10902) must not reach a client or a log line.
_KEY_IN_MESSAGE = re.compile(r"(api_key:)[^\s'\"]+|AIza[0-9A-Za-z_\-]{20,}")


def error_from_gemini(status: int, body: bytes | str | Any, *, model: str | None = None) -> GatewayError:
    """Map a Gemini error response (HTTP status + body) to the gateway error the client sees."""
    error = _error_object(body)
    message = _message(error, status)
    gemini_status = error.get("status") if isinstance(error.get("status"), str) else None
    reasons = {detail.get("reason") for detail in _details(error) if isinstance(detail.get("reason"), str)}

    if reasons & _BAD_KEY_REASONS:
        return AuthenticationError(f"Gemini rejected the API key: {message}", code="invalid_api_key")
    if status == 402:
        return RateLimitError(message, code="insufficient_quota")

    cls = _BY_GEMINI_STATUS.get(gemini_status or "") or _BY_HTTP_STATUS.get(status)
    if cls is None:
        cls = UpstreamError if status >= 500 else InvalidRequestError

    if cls is RateLimitError:
        details = _details(error)
        from .quota import quota_from_error, retry_delay  # only a 429 reads its quota details

        return RateLimitError(message, retry_after=retry_delay(details, message), quota=quota_from_error(details))
    if cls is NotFoundError and model:
        return NotFoundError(
            f"The model '{model}' does not exist or does not support this method (Gemini: {message}). "
            "GET /v1/models lists the models your key can use.",
            param="model",
            code="model_not_found",
        )
    if cls is UpstreamError:
        return UpstreamError(f"Gemini error {status}: {message}")
    refused = cls(message)
    if isinstance(refused, PermissionDeniedError):
        refused.project = bool(reasons & _PROJECT_REASONS) or bool(_PROJECT_WORDS.search(message))
    return refused


# The shells' own failures, worded once for the Python and the JavaScript shell alike.


def body_too_large(limit: int) -> RequestTooLargeError:
    return RequestTooLargeError(
        f"The request body is larger than this gateway accepts ({limit} bytes, MAX_BODY_BYTES). "
        "Send large files by URL (Gemini fetches http(s) URLs itself) or raise MAX_BODY_BYTES."
    )


def upstream_not_json() -> UpstreamError:
    return UpstreamError("Gemini answered HTTP 200 with a body that is not JSON.")


def upstream_timeout(seconds: float, cause: str, *, connecting: bool = False) -> GatewayTimeoutError:
    what = "connect to" if connecting else "get an answer from"
    return GatewayTimeoutError(f"Could not {what} Gemini within {seconds:g} s ({cause}).")


def upstream_unreachable(cause: str) -> UpstreamError:
    # Never the address: GEMINI_BASE_URL may be a relay the operator keeps to themselves.
    return UpstreamError(f"Could not reach Gemini: {cause}.")


def body_too_slow(seconds: float) -> RequestTimeoutError:
    return RequestTimeoutError(
        f"The request body did not arrive within {seconds:g} s (BODY_TIMEOUT); send it at once, or raise BODY_TIMEOUT."
    )


# How a shell failed to get an answer from Gemini, as it reports it to the core.
TRANSPORT_KINDS = ("connect_timeout", "timeout", "unreachable")


def transport_error(kind: str, cause: str, *, connect_timeout: float, request_timeout: float) -> GatewayError:
    """A shell's transport failure (`kind` from TRANSPORT_KINDS, `cause` its exception's name) as the client sees it."""
    if kind == "connect_timeout":
        return upstream_timeout(connect_timeout, cause, connecting=True)
    if kind == "timeout":
        return upstream_timeout(request_timeout, cause)
    return upstream_unreachable(cause)


def internal_error(request_id: str) -> GatewayError:
    """A bug's answer to the client: a clean 500 pointing at the log line, never a traceback."""
    return GatewayError(f"Internal gateway error (request id {request_id}); the gateway's log has the details.")


def describe_exception(exc: BaseException) -> str:
    """A bug in one line for the log: type, message and where it was raised (a traceback is many lines)."""
    import traceback  # only a bug pays for it

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({frames[-1].filename.replace(chr(92), '/').rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _error_object(body: bytes | str | Any) -> dict[str, Any]:
    """The inner `error` object of a Gemini error body, `{}` when there is none."""
    if isinstance(body, (bytes, bytearray, str)):
        try:
            body = json.loads(body)
        except ValueError:
            text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
            return {"message": _snippet(text)} if text.strip() else {}
    # Some Google front ends answer a JSON array holding one envelope.
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return {}


def _details(error: dict[str, Any]) -> list[dict[str, Any]]:
    details = error.get("details")
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def _message(error: dict[str, Any], status: int) -> str:
    message = error.get("message")
    if isinstance(message, str) and message:
        return _KEY_IN_MESSAGE.sub(lambda m: f"{m.group(1)}[redacted]" if m.group(1) else "[redacted]", message)
    return f"Gemini answered HTTP {status}"


def _snippet(text: str, limit: int = 200) -> str:
    """A short, single-line excerpt of a non-JSON upstream body (e.g. a relay's HTML page)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"
