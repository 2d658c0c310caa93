"""OpenAI `/audio/transcriptions` and `/audio/translations` → a Gemini model listening to the audio.

Gemini has no speech-to-text endpoint: a general model gets the audio inline with an instruction to
write down (or translate into English) what is said. For the timed formats (`srt`, `vtt`,
`verbose_json`) it answers structured output, `{"language", "segments": [{start, end, text}]}`,
which is then written out in the asked format. Thinking is kept to the least the model allows
(its lowest level, fitted like every other request: 3.8 Flash takes no `minimal`): listening is
not a puzzle, and it keeps the answer fast.
"""

from __future__ import annotations

import base64
import json
from typing import Any, NamedTuple

from .audio import wav_duration
from .candidates import candidate_parts, finish_reason_of, refusal_of, response_candidates
from .chat_response import check_gemini_response
from .config import Settings
from .errors import InvalidRequestError, UpstreamError
from .forms import Form, form_file, form_files, form_text, upload_type
from .generation import fitted_config
from .models import resolve_model
from .payload import Payload
from .thinking import least_thinking_config
from .upstream import UpstreamRequest, generate_request
from .usage import usage_from_gemini

__all__ = ["TranscriptionPlan", "transcription_from_gemini", "transcription_request_to_gemini"]

FORMATS = ("json", "text", "srt", "vtt", "verbose_json")
_TIMED = frozenset({"srt", "vtt", "verbose_json"})
# Gemini's audio formats (https://ai.google.dev/gemini-api/docs/audio#supported-formats), plus the
# containers browsers record and OpenAI accepts (WebM, MP4/M4A), which Gemini reads as well.
_AUDIO_TYPES = ("audio/wav", "audio/mp3", "audio/aiff", "audio/aac", "audio/ogg", "audio/flac", "audio/webm", "audio/mp4")
_SEGMENTS_SCHEMA = {
    "type": "OBJECT",
    "properties": {
        "language": {"type": "STRING", "description": "The language spoken, in English, lower case (e.g. 'english')."},
        "segments": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "properties": {
                    "start": {"type": "NUMBER", "description": "Seconds from the start of the audio."},
                    "end": {"type": "NUMBER", "description": "Seconds from the start of the audio."},
                    "text": {"type": "STRING"},
                },
                "required": ["start", "end", "text"],
                "propertyOrdering": ["start", "end", "text"],
            },
        },
    },
    "required": ["language", "segments"],
    "propertyOrdering": ["language", "segments"],
}


class TranscriptionPlan(NamedTuple):
    model: str
    body: dict[str, Any]
    task: str  # "transcribe" or "translate"
    response_format: str
    duration: float | None  # seconds, when the upload says (a WAV file)

    def upstream(self) -> list[UpstreamRequest]:
        return [generate_request(self.model, self.body, stream=False)]


def transcription_request_to_gemini(form: Form, settings: Settings, *, translate: bool = False) -> TranscriptionPlan:
    """Translate an OpenAI transcription (or, `translate`, translation) multipart form."""
    if not isinstance(form, Form):
        raise InvalidRequestError("Send the audio as multipart/form-data, with the file in the 'file' part.")
    upload = form_file(form, "file")
    kind = upload_type(upload)
    if kind not in _AUDIO_TYPES:
        raise InvalidRequestError(
            f"The file {upload.filename[:60]!r} is {kind or 'of an unknown type'}; send audio as "
            "wav, mp3, aiff, aac, ogg, flac, webm or m4a.", param="file", code="invalid_file_format")
    fmt = (form_text(form, "response_format") or "json").lower()
    if fmt not in FORMATS:
        raise InvalidRequestError(f"'response_format' must be one of {', '.join(FORMATS)}, got {fmt[:20]!r}.",
                                  param="response_format", code="invalid_value")
    granularities = [value for name in ("timestamp_granularities[]", "timestamp_granularities")
                     for value in form.fields.get(name, ())]
    if "word" in granularities:
        raise InvalidRequestError("Word timestamps are not available with Gemini; 'segment' is.",
                                  param="timestamp_granularities", code="unsupported_value")
    if (form_text(form, "stream") or "").lower() == "true":
        raise InvalidRequestError("Streamed transcription is not supported; leave 'stream' unset.",
                                  param="stream", code="unsupported_value")
    if form_files(form, "prompt"):
        raise InvalidRequestError("'prompt' must be a text field.", param="prompt")

    model = resolve_model(form_text(form, "model"), settings.default_transcription_model, settings)
    task = "translate" if translate else "transcribe"
    instruction = _instruction(task, fmt in _TIMED, form_text(form, "language"), form_text(form, "prompt"))
    config: dict[str, Any] = {}
    temperature = _temperature(form_text(form, "temperature"))
    if temperature is not None:
        config["temperature"] = temperature
    if fmt in _TIMED:
        config["responseMimeType"] = "application/json"
        config["responseSchema"] = _SEGMENTS_SCHEMA
    config = fitted_config(config, model)  # 3.6 Flash, 3.5 Flash-Lite and later ignore temperature
    thinking = least_thinking_config(model)
    if thinking:
        config["thinkingConfig"] = thinking
    audio = {"inlineData": {"mimeType": kind, "data": base64.b64encode(upload.data).decode("ascii")}}
    body: dict[str, Any] = {"contents": [{"role": "user", "parts": [{"text": instruction}, audio]}]}
    if config:
        body["generationConfig"] = config
    duration = wav_duration(upload.data) if kind == "audio/wav" else None
    return TranscriptionPlan(model, body, task, fmt, duration)


def transcription_from_gemini(data: Any, plan: TranscriptionPlan) -> tuple[Any, dict[str, Any] | None]:
    """The answer in the asked format (a JSON object, or a `Payload` of text), and Gemini's usage."""
    data = check_gemini_response(data)
    usage = usage_from_gemini(data.get("usageMetadata"))
    text = _answer_text(data)
    if plan.response_format == "json":
        answer: dict[str, Any] = {"text": text.strip()}
        if usage:
            answer["usage"] = _transcription_usage(usage)
        return answer, usage
    if plan.response_format == "text":
        return Payload("text/plain; charset=utf-8", (text.strip() + "\n").encode()), usage
    language, segments = _segments(text)
    if plan.response_format == "srt":
        return Payload("text/plain; charset=utf-8", _srt(segments).encode()), usage
    if plan.response_format == "vtt":
        return Payload("text/vtt; charset=utf-8", _vtt(segments).encode()), usage
    duration = plan.duration if plan.duration is not None else (segments[-1]["end"] if segments else 0.0)
    verbose = {
        "task": plan.task,
        "language": "english" if plan.task == "translate" else language,
        "duration": round(duration, 3),
        "text": " ".join(segment["text"] for segment in segments),
        "segments": [_verbose_segment(i, segment) for i, segment in enumerate(segments)],
    }
    if usage:
        verbose["usage"] = {"type": "duration", "seconds": max(1, round(duration))}
    return verbose, usage


def _instruction(task: str, timed: bool, language: str | None, prompt: str | None) -> str:
    if task == "translate":
        lines = ["Translate the speech in this audio into English.",
                 "Answer with the English translation only: no introduction, notes or labels."]
    else:
        lines = ["Transcribe the speech in this audio verbatim, in the language it is spoken in.",
                 "Answer with the transcript only: no introduction, notes, labels or timestamps."]
        if language:
            lines.append(f"The audio is in the language with ISO-639-1 code '{language[:10]}'.")
    if timed:
        lines.append("Split it into segments at sentence boundaries, each at most about 30 seconds, with start and "
                     "end times in seconds from the beginning of the audio, and name the language spoken.")
    if prompt:
        lines.append(f"Context from the user (names, terms and style to follow; do not transcribe it): {prompt}")
    return "\n".join(lines)


def _temperature(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 1:
        raise InvalidRequestError(f"'temperature' must be a number between 0 and 1, got {value[:20]!r}.",
                                  param="temperature", code="invalid_value")
    return number


def _answer_text(data: dict[str, Any]) -> str:
    candidates = response_candidates(data)  # one candidate is asked for
    texts = [part["text"] for part in candidate_parts(candidates[0]) if isinstance(part.get("text"), str)
             and part.get("thought") is not True] if candidates else []
    if texts:
        return "".join(texts)
    refused = refusal_of(data)
    if refused:
        raise InvalidRequestError(f"Gemini refused this audio ({refused}).", param="file", code="content_policy_violation")
    raise UpstreamError(f"Gemini answered without a transcript (finishReason: {finish_reason_of(data)}).")


def _segments(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The structured answer, checked: times as non-negative, ordered numbers."""
    try:
        data = json.loads(text)
    except ValueError:
        raise UpstreamError("Gemini's timed transcript is not the JSON it was asked for.") from None
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise UpstreamError("Gemini's timed transcript has no segments.")
    segments, last = [], 0.0
    for item in data["segments"]:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        start = _seconds(item.get("start"), last)
        end = max(start, _seconds(item.get("end"), start))
        segments.append({"start": start, "end": end, "text": item["text"].strip()})
        last = end
    language = data.get("language")
    language = language if isinstance(language, str) else ""
    return language.strip().lower(), segments


def _seconds(value: Any, fallback: float) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else fallback


def _srt(segments: list[dict[str, Any]]) -> str:
    return "".join(f"{i}\n{_clock(s['start'], ',')} --> {_clock(s['end'], ',')}\n{s['text']}\n\n"
                   for i, s in enumerate(segments, 1))


def _vtt(segments: list[dict[str, Any]]) -> str:
    return "WEBVTT\n\n" + "".join(f"{_clock(s['start'], '.')} --> {_clock(s['end'], '.')}\n{s['text']}\n\n" for s in segments)


def _clock(seconds: float, mark: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{mark}{millis:03d}"


def _verbose_segment(index: int, segment: dict[str, Any]) -> dict[str, Any]:
    """Whisper's segment shape; the scores Gemini does not give are neutral values."""
    return {
        "id": index, "seek": 0, "start": segment["start"], "end": segment["end"], "text": segment["text"],
        "tokens": [], "temperature": 0.0, "avg_logprob": 0.0, "compression_ratio": 1.0, "no_speech_prob": 0.0,
    }


def _transcription_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """gpt-4o-transcribe's usage shape."""
    audio = usage["prompt_tokens_details"]["audio_tokens"]
    return {
        "type": "tokens",
        "input_tokens": usage["prompt_tokens"],
        "input_token_details": {"audio_tokens": audio, "text_tokens": usage["prompt_tokens"] - audio},
        "output_tokens": usage["completion_tokens"],
        "total_tokens": usage["total_tokens"],
    }
