"""Speech as the client asked for it: MP3 through LAME (the `lameenc` wheel), WAV and PCM from the core."""

from __future__ import annotations

from core.payload import Audio, Payload

__all__ = ["audio_payload", "mp3_bytes"]

BITRATE = 64  # kbit/s: plenty for 24 kHz mono speech (OpenAI's tts answers are about this size)


def audio_payload(audio: Audio) -> Payload:
    if audio.format == "mp3":
        return Payload(audio.content_type, mp3_bytes(audio.pcm.data, audio.pcm.rate, audio.pcm.channels))
    return audio.payload()


def mp3_bytes(samples: bytes, rate: int, channels: int = 1) -> bytes:
    """16-bit little-endian PCM → an MP3 file (MPEG-2 Layer III at 24 kHz)."""
    import lameenc  # 0.3 MB of native code, loaded by the first MP3 answer only

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(channels)
    encoder.set_quality(5)  # LAME's -q 5: its usual speed/quality balance
    return bytes(encoder.encode(samples) + encoder.flush())
