"""OpenAI `/audio/speech` requests → Gemini's TTS models, and their audio back.

Gemini speaks through `generateContent` on a `-tts` model with `responseModalities: ["AUDIO"]` and a
prebuilt voice; it answers 24 kHz 16-bit mono PCM (raw or in a WAV container, see core/audio.py).
The answer is `Audio`: the samples and the format the client asked for. WAV and PCM are made here;
MP3 needs an encoder, which is the shell's (lameenc in Python, lamejs in the JavaScript shell).

How an OpenAI voice sounds is matched to a Gemini voice of similar character; Gemini's own voice
names are accepted as they are. `instructions` and `speed` become the speaking style: Gemini 3.8's
TTS models take it as the part's `speechMetadata.style`, older ones read it as a spoken-style prefix
("Say cheerfully: ...", as Google's TTS guide does).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, NamedTuple

from .audio import pcm_from_gemini
from .candidates import candidate_parts, finish_reason_of, refusal_of, response_candidates
from .chat_response import check_gemini_response
from .config import Settings
from .errors import InvalidRequestError, UpstreamError
from .fields import get_number, get_str, require_dict
from .lineup import generation
from .models import resolve_model
from .payload import CONTENT_TYPES, Audio
from .upstream import UpstreamRequest, generate_request
from .usage import usage_from_gemini

__all__ = ["FORMATS", "SpeechPlan", "audio_from_gemini", "check_encodable", "speech_request_to_gemini", "voice_from_openai"]

FORMATS = tuple(CONTENT_TYPES)
_UNSERVED = ("opus", "aac", "flac")  # OpenAI formats with no small, well-kept encoder here
_REFUSALS = frozenset({"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII"})  # finish reasons that mean "refused"

# Gemini's prebuilt voices (https://ai.google.dev/gemini-api/docs/speech-generation#voices).
GEMINI_VOICES = (
    "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe",
    "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi",
    "Laomedeia", "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi",
    "Vindemiatrix", "Sadachbia", "Sadaltager", "Sulafat",
)
_BY_LOWER = {voice.lower(): voice for voice in GEMINI_VOICES}
# OpenAI's voices → the Gemini voice closest in character (Google's descriptions: Kore firm, Puck
# upbeat, Charon informative, Fenrir excitable, Orus firm, Aoede breezy, Achernar soft, ...).
OPENAI_VOICES = {
    "alloy": "Kore", "ash": "Charon", "ballad": "Algieba", "coral": "Sulafat", "echo": "Puck",
    "fable": "Fenrir", "onyx": "Orus", "nova": "Aoede", "sage": "Vindemiatrix", "shimmer": "Achernar",
    "verse": "Sadachbia", "marin": "Despina", "cedar": "Iapetus",
}
DEFAULT_VOICE = "Kore"
_STYLE_METADATA = (3, 8)  # the first TTS generation that takes `speechMetadata.style`
_MAX_INPUT = 8192  # characters; more than OpenAI's 4096, within the TTS models' context


class SpeechPlan(NamedTuple):
    model: str
    body: dict[str, Any]
    format: str

    def upstream(self) -> list[UpstreamRequest]:
        return [generate_request(self.model, self.body, stream=False)]


def speech_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> SpeechPlan:
    """Translate an OpenAI `/audio/speech` request body into a Gemini TTS request."""
    body = require_dict(body, "body")
    text = get_str(body, "input", required=True)
    if not text.strip():
        raise InvalidRequestError("'input' is empty: there is nothing to say.", param="input")
    if len(text) > _MAX_INPUT:
        raise InvalidRequestError(f"'input' is {len(text)} characters; this gateway takes at most {_MAX_INPUT}.",
                                  param="input", code="string_above_max_length")
    model = _speech_model(get_str(body, "model"), settings)
    fmt = _format(get_str(body, "response_format"))
    if body.get("stream_format") not in (None, "audio"):
        raise InvalidRequestError("'stream_format' 'sse' is not supported: the audio comes back whole.",
                                  param="stream_format", code="unsupported_value")
    style = _style(get_str(body, "instructions"), get_number(body, "speed", minimum=0.25, maximum=4.0))

    part: dict[str, Any] = {"text": text}
    if style and (generation(model) or (0, 0)) >= _STYLE_METADATA:
        part["speechMetadata"] = {"style": style}
    elif style:
        part["text"] = f"{style.rstrip(' .!:;')}: {text}"
    voice = voice_from_openai(body.get("voice"))
    config = {
        "responseModalities": ["AUDIO"],
        "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": voice}}},
    }
    return SpeechPlan(model, {"contents": [{"role": "user", "parts": [part]}], "generationConfig": config}, fmt)


def voice_from_openai(voice: Any) -> str:
    """An OpenAI voice name, or a Gemini one in any case; none at all means Gemini's Kore."""
    if voice is None:
        return DEFAULT_VOICE
    if isinstance(voice, dict):  # {"id": "voice_..."}: OpenAI's custom voices
        raise InvalidRequestError("Custom voices are not available with Gemini; use a voice name.", param="voice")
    if not isinstance(voice, str):
        raise InvalidRequestError("'voice' must be a string.", param="voice")
    name = voice.strip().lower()
    found = OPENAI_VOICES.get(name) or _BY_LOWER.get(name)
    if found is None:
        raise InvalidRequestError(
            f"Unknown voice {voice[:40]!r}. Use an OpenAI voice ({', '.join(OPENAI_VOICES)}) or a Gemini voice "
            f"({', '.join(GEMINI_VOICES)}).", param="voice", code="invalid_value")
    return found


def audio_from_gemini(data: Any, plan: SpeechPlan) -> tuple[Audio, dict[str, Any] | None]:
    """The speech in Gemini's answer, and the usage it reports."""
    data = check_gemini_response(data)
    usage = usage_from_gemini(data.get("usageMetadata"))
    for candidate in response_candidates(data):
        for part in candidate_parts(candidate):
            inline = part.get("inlineData")
            if isinstance(inline, dict) and isinstance(inline.get("data"), str):
                try:
                    pcm = pcm_from_gemini(_b64decode(inline["data"]), str(inline.get("mimeType", "")))
                except ValueError as exc:
                    raise UpstreamError(f"Gemini's speech could not be read: {exc}.") from None
                return Audio(pcm, plan.format), usage
    raise _no_audio(data)


def _speech_model(requested: str | None, settings: Settings) -> str:
    """Gemini TTS names as given (after aliases); OpenAI's (tts-1, gpt-4o-mini-tts) use the default."""
    name = resolve_model(requested, settings.default_speech_model, settings)
    if "-tts" not in name:
        raise InvalidRequestError(
            f"The model {name[:80]!r} does not speak; use a Gemini TTS model such as "
            f"{settings.default_speech_model!r} (or an OpenAI name like 'tts-1' for the default).",
            param="model", code="model_not_supported")
    return name


# Formats the core writes itself; the others (mp3) are encoded by the shell, if it can.
_NATIVE = ("wav", "pcm")


def check_encodable(plan: SpeechPlan, encoders: frozenset[str]) -> None:
    """Refuse a format the shell has no encoder for (Cloudflare's Python Workers have no LAME)."""
    if plan.format not in _NATIVE and plan.format not in encoders:
        usable = ", ".join((*_NATIVE, *sorted(encoders)))
        raise InvalidRequestError(f"'response_format' {plan.format!r} cannot be encoded on this deployment. Use one of: {usable}.",
                                  param="response_format", code="unsupported_value")


def _format(fmt: str | None) -> str:
    fmt = (fmt or "mp3").lower()
    if fmt in CONTENT_TYPES:
        return fmt
    known = "; opus, aac and flac have no encoder here" if fmt in _UNSERVED else ""
    raise InvalidRequestError(f"'response_format' {fmt[:20]!r} is not available{known}. Use one of: {', '.join(FORMATS)}.",
                              param="response_format", code="unsupported_value")


def _style(instructions: str | None, speed: float | None) -> str:
    """The speaking style: the client's instructions, and the pace `speed` asks for in words."""
    style = (instructions or "").strip()
    pace = _pace(speed)
    if pace:
        style = f"{style.rstrip('.')}. {pace}" if style else pace
    return style


def _pace(speed: float | None) -> str:
    if speed is None or 0.9 <= speed <= 1.1:
        return ""
    if speed < 0.6:
        return "Speak very slowly."
    if speed < 0.9:
        return "Speak slowly."
    return "Speak quickly." if speed <= 1.6 else "Speak very quickly."


def _no_audio(data: dict[str, Any]) -> InvalidRequestError | UpstreamError:
    refused = refusal_of(data, _REFUSALS)
    if refused:
        return InvalidRequestError(f"Gemini refused to speak this input ({refused}).", param="input",
                                   code="content_policy_violation")
    return UpstreamError(f"Gemini answered without audio (finishReason: {finish_reason_of(data)}).")


def _b64decode(data: str) -> bytes:
    """Proto3 JSON bytes: standard base64, though URL-safe is allowed too."""
    try:
        return base64.b64decode(data.translate(_URLSAFE) + "=" * (-len(data) % 4))
    except (ValueError, binascii.Error):
        raise UpstreamError("Gemini's audio is not valid base64.") from None


_URLSAFE = str.maketrans("-_", "+/")
