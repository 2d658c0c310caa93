"""Keys and tokens out of everything a client is sent: bodies, headers and streams, byte for byte.

Gemini quotes the key in some of its own error texts (a suspended key's 403 reads `Consumer
'api_key:AIza…' has been suspended.`), and an answer forwarded as it came would hand a
server-held key to whoever caused the error. Every byte a `Call` gives its shell passes through
one `Scrubber`, which replaces each secret with `[redacted]`.

A stream may split a secret across two chunks: the scrubber holds back a chunk's tail while it
could be the start of a secret, and sends it with the next chunk (or at the end).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["MARKER", "MIN_SECRET", "Scrubber"]

MARKER = b"[redacted]"
_TEXT_MARKER = MARKER.decode()
MIN_SECRET = 8  # shorter values are not treated as secrets: replacing them would mangle ordinary text


class Scrubber:
    """Replaces every secret in the bytes it is given; `feed` for streams, `whole` for complete bodies."""

    def __init__(self, secrets: Iterable[str]) -> None:
        unique = {secret.encode("utf-8") for secret in secrets if secret and len(secret) >= MIN_SECRET}
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(unique, key=len, reverse=True) if len(unique) > 1 else list(unique)
        self._held = b""

    def copy(self) -> Scrubber:
        """A scrubber of the same secrets, holding nothing back yet (one per call, from the instance's)."""
        twin = Scrubber.__new__(Scrubber)
        twin._secrets, twin._held = self._secrets.copy(), b""
        return twin

    def add(self, secret: str) -> None:
        """One more secret (a key the client presented, known only once its request is read)."""
        if secret and len(secret) >= MIN_SECRET:
            value = secret.encode("utf-8")
            if value not in self._secrets:
                self._secrets.append(value)
                if len(self._secrets) > 1:
                    self._secrets.sort(key=len, reverse=True)

    def whole(self, data: bytes) -> bytes:
        """A complete body, scrubbed."""
        for secret in self._secrets:
            if secret in data:
                data = data.replace(secret, MARKER)
        return data

    def text(self, value: str) -> str:
        """A header value (or any text), scrubbed."""
        for secret in self._secrets:
            text = secret.decode("utf-8")
            if text in value:
                value = value.replace(text, _TEXT_MARKER)
        return value

    def headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(name, self.text(value)) for name, value in headers] if self._secrets else headers

    def feed(self, chunk: bytes) -> bytes:
        """The next chunk of a stream, scrubbed; a tail that may begin a secret waits for the next chunk."""
        if not self._secrets:
            return chunk
        data = self._held + chunk if self._held else chunk
        data = self.whole(data)
        keep = self._partial(data)
        if keep:
            self._held = data[-keep:]
            return data[:-keep]
        self._held = b""
        return data

    def flush(self) -> bytes:
        """Whatever a stream's last chunk held back (it was no secret after all)."""
        held, self._held = self._held, b""
        return held

    def _partial(self, data: bytes) -> int:
        """The length of the longest tail of `data` that is a proper prefix of some secret."""
        longest = 0
        for secret in self._secrets:
            first = secret[:1]
            # Only tails starting with the secret's first byte can begin it.
            start = max(len(data) - len(secret) + 1, 0)
            position = data.find(first, start)
            while position != -1 and len(data) - position > longest:
                if secret.startswith(data[position:]):
                    longest = len(data) - position
                    break
                position = data.find(first, position + 1)
        return longest
