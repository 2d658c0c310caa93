"""The upstream client's exceptions (adapters/client.py): a failure `request()` raises means no status
arrived; one raised while reading the body means it did."""

from __future__ import annotations

__all__ = ["CAConfigError", "ClientError", "ConnectError", "ConnectTimeout", "HeaderTooLarge", "LocalProtocolError",
           "PoolTimeout", "ProtocolError", "ProxyConfigError", "ReadTimeout"]


class ClientError(Exception):
    """A call that got no usable HTTP answer."""


class ConnectError(ClientError):
    pass


class ConnectTimeout(ClientError):
    pass


class ReadTimeout(ClientError):
    pass


class PoolTimeout(ReadTimeout):
    """Every allowed connection stayed busy for `read_timeout`: the request was never sent."""


class ProtocolError(ClientError):
    """The server closed the connection or sent something that is not HTTP/1.1."""


class HeaderTooLarge(ProtocolError):
    """A header section (or trailers) over the client's bounds: the server is flooding it."""


class LocalProtocolError(ProtocolError):
    """A request the client refuses to write: it would break HTTP/1.1 framing. Nothing was sent."""


class _Unanswered(ProtocolError):
    """The connection closed before any byte of the answer."""


class ProxyConfigError(ValueError):
    """A proxy variable this client cannot use; `variable` names it."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(message)
        self.variable = variable


class CAConfigError(ProxyConfigError):
    """`SSL_CERT_FILE` or `SSL_CERT_DIR` names no usable CA certificates."""
