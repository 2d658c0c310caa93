"""PCM and WAV, in the standard library only: what Gemini's speech arrives as, and what the
OpenAI speech endpoint's `wav` and `pcm` formats are.

Gemini's TTS models answer 16-bit little-endian mono PCM, either raw (`audio/L16;codec=pcm;rate=24000`)
or in a WAV container (`audio/wav`, the newer models' default); `pcm_from_gemini` takes either.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

__all__ = ["Pcm", "pcm_from_gemini", "wav_bytes", "wav_duration"]

DEFAULT_RATE = 24000  # Gemini TTS's rate when its mime type does not say


class Pcm(NamedTuple):
    """16-bit signed little-endian samples."""

    data: bytes
    rate: int
    channels: int = 1


def pcm_from_gemini(data: bytes, mime_type: str) -> Pcm:
    """The samples of one Gemini audio part; raises ValueError for audio that is neither."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return _pcm_from_wav(data)
    kind, _, params = mime_type.partition(";")
    kind = kind.strip().lower()
    if kind in ("audio/l16", "audio/pcm") or kind.startswith("audio/pcm"):
        options = dict(item.strip().lower().partition("=")[::2] for item in params.split(";") if "=" in item)
        rate = int(options["rate"]) if options.get("rate", "").isdigit() else DEFAULT_RATE
        channels = int(options["channels"]) if options.get("channels", "").isdigit() else 1
        return Pcm(data[: len(data) - len(data) % 2], rate, channels)
    raise ValueError(f"audio of type {mime_type!r} is neither PCM nor WAV")


def wav_bytes(pcm: Pcm) -> bytes:
    """A canonical 44-byte-header WAV file around the samples."""
    block = 2 * pcm.channels
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm.data), b"WAVE", b"fmt ", 16, 1, pcm.channels, pcm.rate,
        pcm.rate * block, block, 16, b"data", len(pcm.data),
    )
    return header + pcm.data


def wav_duration(data: bytes) -> float | None:
    """Seconds of audio in a WAV file, None when it is not one (or not one this reads)."""
    try:
        fmt, samples = _wav_chunks(data)
    except ValueError:
        return None
    byte_rate = struct.unpack_from("<I", fmt, 8)[0]
    return len(samples) / byte_rate if byte_rate else None


def _pcm_from_wav(data: bytes) -> Pcm:
    fmt, samples = _wav_chunks(data)
    audio_format, channels, rate = struct.unpack_from("<HHI", fmt, 0)
    bits = struct.unpack_from("<H", fmt, 14)[0]
    if audio_format not in (1, 0xFFFE) or bits != 16:
        raise ValueError(f"WAV audio that is not 16-bit PCM (format {audio_format}, {bits} bits)")
    return Pcm(samples[: len(samples) - len(samples) % (2 * channels)], rate, channels)


def _wav_chunks(data: bytes) -> tuple[bytes, bytes]:
    """The `fmt ` and `data` chunks of a RIFF/WAVE file."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    fmt = samples = None
    offset = 12
    while offset + 8 <= len(data):
        chunk, size = struct.unpack_from("<4sI", data, offset)
        body = data[offset + 8: offset + 8 + size]
        if chunk == b"fmt ":
            fmt = body
        elif chunk == b"data":
            samples = body  # a streamed WAV may say 0 or 0xFFFFFFFF here: take what is there
            if size in (0, 0xFFFFFFFF):
                samples = data[offset + 8:]
            break
        offset += 8 + size + (size & 1)
    if fmt is None or len(fmt) < 16 or samples is None:
        raise ValueError("a WAV file without its fmt or data chunk")
    return fmt, samples
