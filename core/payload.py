"""Answers that are not JSON: bytes with their content type, or speech still to be encoded."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # the shells import this module at cold start; audio code loads with the first speech
    from .audio import Pcm

__all__ = ["CONTENT_TYPES", "Audio", "Payload"]

# The speech formats served, and their content types (`pcm` is raw 16-bit little-endian mono, as OpenAI's).
CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "pcm": "audio/pcm"}


class Payload(NamedTuple):
    """A whole answer body as it goes to the client (a WAV file, a transcript as plain text or SRT)."""

    content_type: str
    body: bytes


class Audio(NamedTuple):
    """Speech for the client: the samples and the `response_format` to deliver them in."""

    pcm: Pcm
    format: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    def payload(self) -> Payload:
        """The answer for `wav` and `pcm`; an `mp3` answer is the shell's to encode."""
        from .audio import wav_bytes

        if self.format == "wav":
            return Payload(self.content_type, wav_bytes(self.pcm))
        if self.format == "pcm":
            return Payload(self.content_type, self.pcm.data)
        raise ValueError(f"{self.format} audio needs the shell's encoder")
