"""Transcriptions and translations → a Gemini model listening, and the text back in every format."""

from __future__ import annotations

import json

import pytest

from core.audio import Pcm, wav_bytes
from core.config import Settings
from core.errors import InvalidRequestError, UpstreamError
from core.forms import Form, Upload
from core.payload import Payload
from core.transcription import transcription_from_gemini, transcription_request_to_gemini

SETTINGS = Settings()
WAV = wav_bytes(Pcm(b"\x00\x00" * 24000 * 3, 24000))  # three seconds of silence


def form(fields=None, file=Upload("speech.wav", "audio/wav", WAV)):
    return Form({k: v if isinstance(v, list) else [v] for k, v in (fields or {}).items()}, {"file": [file]} if file else {})


def said(text):
    return {"candidates": [{"content": {"parts": [{"text": text}]}, "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 80, "candidatesTokenCount": 10, "totalTokenCount": 90,
                              "promptTokensDetails": [{"modality": "AUDIO", "tokenCount": 75}, {"modality": "TEXT", "tokenCount": 5}]}}


SEGMENTS = json.dumps({"language": "English", "segments": [
    {"start": 0, "end": 1.25, "text": " Hello there. "}, {"start": 1.25, "end": 3661.5, "text": "Bye."}]})


def test_a_transcription_sends_the_instruction_and_the_audio_inline():
    plan = transcription_request_to_gemini(form({"model": "whisper-1", "language": "de", "prompt": "Names: Jürgen"}), SETTINGS)
    assert plan.model == "gemini-3.5-flash-lite" and plan.task == "transcribe" and plan.duration == 3.0
    instruction, audio = plan.body["contents"][0]["parts"]
    assert "Transcribe" in instruction["text"] and "'de'" in instruction["text"] and "Jürgen" in instruction["text"]
    assert audio["inlineData"]["mimeType"] == "audio/wav"
    config = plan.body["generationConfig"]
    assert "responseSchema" not in config and config["thinkingConfig"] == {"thinkingLevel": "minimal"}


def test_a_translation_asks_for_english_and_timed_formats_ask_for_segments():
    plan = transcription_request_to_gemini(form({"response_format": "srt", "temperature": "0.2", "model": "gemini-2.5-flash-lite"}),
                                           SETTINGS, translate=True)
    assert plan.task == "translate" and "into English" in plan.body["contents"][0]["parts"][0]["text"]
    config = plan.body["generationConfig"]
    assert config["responseMimeType"] == "application/json" and config["temperature"] == 0.2
    assert config["responseSchema"]["properties"]["segments"]["type"] == "ARRAY"


def test_gemini_models_are_used_as_named():
    assert transcription_request_to_gemini(form({"model": "gemini-3.8-flash"}), SETTINGS).model == "gemini-3.8-flash"
    # a retired name is sent as the model Google serves in its place
    assert transcription_request_to_gemini(form({"model": "gemini-2.5-flash"}), SETTINGS).model == "gemini-3.5-flash-lite"


@pytest.mark.parametrize(("model", "thinking"), [
    # The least thinking each model takes, never a hard-coded level: 3.8 Flash and 3.1 Pro refuse
    # `minimal` ("Thinking level MINIMAL is not supported for this model", earendil-works/pi#9455).
    ("gemini-3.8-flash", {"thinkingLevel": "low"}),
    ("gemini-flash-latest", {"thinkingLevel": "low"}),
    ("gemini-3.1-pro-preview", {"thinkingLevel": "low"}),
    ("gemini-2.5-flash", {"thinkingLevel": "minimal"}),
    ("gemini-3.5-flash-lite", {"thinkingLevel": "minimal"}),
    ("gemini-2.5-flash-lite", {"thinkingBudget": 0}),
])
def test_transcription_thinks_as_little_as_the_model_allows(model, thinking):
    plan = transcription_request_to_gemini(form({"model": model, "temperature": "0.3"}), SETTINGS)
    assert plan.body["generationConfig"]["thinkingConfig"] == thinking
    # temperature is left out where Gemini ignores it (3.6 Flash, 3.5 Flash-Lite and later)
    assert ("temperature" in plan.body["generationConfig"]) is (model in ("gemini-3.1-pro-preview", "gemini-2.5-flash-lite"))


@pytest.mark.parametrize(("fmt", "expected"), [
    ("text", Payload("text/plain; charset=utf-8", b"Hello there. Bye.\n")),
    ("srt", Payload("text/plain; charset=utf-8",
                    b"1\n00:00:00,000 --> 00:00:01,250\nHello there.\n\n2\n00:00:01,250 --> 01:01:01,500\nBye.\n\n")),
    ("vtt", Payload("text/vtt; charset=utf-8",
                    b"WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nHello there.\n\n00:00:01.250 --> 01:01:01.500\nBye.\n\n")),
])
def test_text_formats(fmt, expected):
    plan = transcription_request_to_gemini(form({"response_format": fmt}), SETTINGS)
    answer, _ = transcription_from_gemini(said("Hello there. Bye." if fmt == "text" else SEGMENTS), plan)
    assert answer == expected


def test_json_and_verbose_json():
    plan = transcription_request_to_gemini(form(), SETTINGS)
    answer, _ = transcription_from_gemini(said(" Hello there. "), plan)
    assert answer["text"] == "Hello there."
    assert answer["usage"] == {"type": "tokens", "input_tokens": 80, "input_token_details": {"audio_tokens": 75, "text_tokens": 5},
                               "output_tokens": 10, "total_tokens": 90}
    plan = transcription_request_to_gemini(form({"response_format": "verbose_json"}), SETTINGS)
    verbose, _ = transcription_from_gemini(said(SEGMENTS), plan)
    assert verbose["task"] == "transcribe" and verbose["language"] == "english" and verbose["duration"] == 3.0
    assert verbose["text"] == "Hello there. Bye."
    segments = [(s["id"], s["start"], s["end"], s["text"]) for s in verbose["segments"]]
    assert segments == [(0, 0, 1.25, "Hello there."), (1, 1.25, 3661.5, "Bye.")]


def test_unordered_or_odd_times_are_made_sane():
    plan = transcription_request_to_gemini(form({"response_format": "verbose_json"}), SETTINGS)
    text = json.dumps({"language": "en",
                       "segments": [{"start": 2, "end": 1, "text": "a"}, {"start": "x", "end": None, "text": "b"}, "junk"]})
    verbose, _ = transcription_from_gemini(said(text), plan)
    assert [(s["start"], s["end"]) for s in verbose["segments"]] == [(2.0, 2.0), (2.0, 2.0)]


@pytest.mark.parametrize(("request_form", "param"), [
    (form(file=None), "file"),
    (form(file=Upload("notes.txt", "text/plain", b"hello")), "file"),
    (form(file=Upload("x.wav", "audio/wav", b"")), "file"),
    (form({"response_format": "docx"}), "response_format"),
    (form({"timestamp_granularities[]": ["segment", "word"]}), "timestamp_granularities"),
    (form({"stream": "true"}), "stream"),
    (form({"temperature": "2"}), "temperature"),
    (Form({"file": ["not a file"]}, {}), "file"),
])
def test_bad_requests_are_400s_naming_the_field(request_form, param):
    with pytest.raises(InvalidRequestError) as caught:
        transcription_request_to_gemini(request_form, SETTINGS)
    assert caught.value.param == param


def test_uploads_are_known_by_their_bytes_then_their_type_then_their_name():
    mp3 = transcription_request_to_gemini(form(file=Upload("blob", "application/octet-stream", b"ID3\x04rest")), SETTINGS)
    assert mp3.body["contents"][0]["parts"][1]["inlineData"]["mimeType"] == "audio/mp3"
    m4a = transcription_request_to_gemini(form(file=Upload("voice.m4a", "application/octet-stream", b"????")), SETTINGS)
    assert m4a.body["contents"][0]["parts"][1]["inlineData"]["mimeType"] == "audio/mp4"


def test_no_transcript_is_a_refusal_or_gemini_s_failure():
    plan = transcription_request_to_gemini(form({"response_format": "srt"}), SETTINGS)
    with pytest.raises(InvalidRequestError):
        transcription_from_gemini({"promptFeedback": {"blockReason": "OTHER"}}, plan)
    with pytest.raises(UpstreamError, match="without a transcript"):
        transcription_from_gemini({"candidates": [{"finishReason": "RECITATION"}]}, plan)
    with pytest.raises(UpstreamError, match="not the JSON"):
        transcription_from_gemini(said("Hello"), plan)
