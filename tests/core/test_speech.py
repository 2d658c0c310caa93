"""Speech → Gemini TTS, and its audio back as WAV, PCM or samples for MP3 (core/speech.py, core/audio.py)."""

from __future__ import annotations

import base64
import io
import struct
import wave

import pytest

from core.audio import Pcm, pcm_from_gemini, wav_bytes, wav_duration
from core.config import Settings
from core.errors import InvalidRequestError, UpstreamError
from core.payload import Audio
from core.speech import audio_from_gemini, speech_request_to_gemini, voice_from_openai

SETTINGS = Settings()
SAMPLES = struct.pack("<4h", 0, 1000, -1000, 32767)


def spoken(mime="audio/L16;codec=pcm;rate=24000", data=SAMPLES):
    return {"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": mime, "data": base64.b64encode(data).decode()}}]},
                            "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 50, "totalTokenCount": 54}}


def test_a_speech_request_asks_a_tts_model_for_audio_in_a_voice():
    plan = speech_request_to_gemini({"model": "tts-1", "input": "Hello there", "voice": "alloy"}, SETTINGS)
    assert plan.model == "gemini-3.8-flash-tts" and plan.format == "mp3"
    assert plan.body == {
        "contents": [{"role": "user", "parts": [{"text": "Hello there"}]}],
        "generationConfig": {"responseModalities": ["AUDIO"],
                             "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}},
    }


def test_the_style_rides_in_speech_metadata_on_3_8_and_as_a_prefix_before():
    body = {"input": "Hello", "voice": "nova", "instructions": "Sound cheerful.", "speed": 0.7}
    new = speech_request_to_gemini(body, SETTINGS).body["contents"][0]["parts"][0]
    assert new == {"text": "Hello", "speechMetadata": {"style": "Sound cheerful. Speak slowly."}}
    old = speech_request_to_gemini({**body, "model": "gemini-2.5-flash-preview-tts"}, SETTINGS).body["contents"][0]["parts"][0]
    assert old == {"text": "Sound cheerful. Speak slowly: Hello"}
    plain = speech_request_to_gemini({"input": "Hello", "speed": 1.0}, SETTINGS).body["contents"][0]["parts"][0]
    assert plain == {"text": "Hello"}


@pytest.mark.parametrize(("voice", "gemini"), [
    ("alloy", "Kore"), ("echo", "Puck"), ("onyx", "Orus"), ("shimmer", "Achernar"), ("cedar", "Iapetus"),
    ("Puck", "Puck"), ("zephyr", "Zephyr"), ("  SULAFAT ", "Sulafat"), (None, "Kore"),
])
def test_voices(voice, gemini):
    assert voice_from_openai(voice) == gemini


@pytest.mark.parametrize(("body", "param"), [
    ({"voice": "alloy"}, "input"),
    ({"input": ""}, "input"),
    ({"input": "x" * 9000}, "input"),
    ({"input": "x", "voice": "HAL"}, "voice"),
    ({"input": "x", "voice": {"id": "voice_123"}}, "voice"),
    ({"input": "x", "response_format": "opus"}, "response_format"),
    ({"input": "x", "response_format": "ogg"}, "response_format"),
    ({"input": "x", "speed": 5}, "speed"),
    ({"input": "x", "stream_format": "sse"}, "stream_format"),
    ({"input": "x", "model": "gemini-2.5-flash"}, "model"),
])
def test_bad_requests_are_400s_naming_the_field(body, param):
    with pytest.raises(InvalidRequestError) as caught:
        speech_request_to_gemini(body, SETTINGS)
    assert caught.value.param == param


def test_unavailable_formats_say_which_are():
    with pytest.raises(InvalidRequestError, match="mp3, wav, pcm"):
        speech_request_to_gemini({"input": "x", "response_format": "flac"}, SETTINGS)


@pytest.mark.parametrize("mime_and_data", [
    ("audio/L16;codec=pcm;rate=24000", SAMPLES),
    ("audio/wav", wav_bytes(Pcm(SAMPLES, 24000))),
])
def test_gemini_audio_raw_or_in_wav_becomes_a_valid_wav_file(mime_and_data):
    plan = speech_request_to_gemini({"input": "x", "response_format": "wav"}, SETTINGS)
    audio, usage = audio_from_gemini(spoken(*mime_and_data), plan)
    assert audio == Audio(Pcm(SAMPLES, 24000), "wav") and usage["completion_tokens"] == 50
    payload = audio.payload()
    assert payload.content_type == "audio/wav"
    with wave.open(io.BytesIO(payload.body)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (24000, 1, 2)
        assert reader.readframes(10) == SAMPLES
    assert wav_duration(payload.body) == pytest.approx(4 / 24000)


def test_pcm_is_the_raw_samples_and_mp3_is_left_to_the_shell():
    audio = Audio(Pcm(SAMPLES, 24000), "pcm")
    assert audio.payload().body == SAMPLES
    with pytest.raises(ValueError):
        Audio(Pcm(SAMPLES, 24000), "mp3").payload()


def test_pcm_from_gemini_reads_the_rate_and_refuses_other_audio():
    assert pcm_from_gemini(SAMPLES + b"\x01", "audio/L16;codec=pcm;rate=16000") == Pcm(SAMPLES, 16000)
    with pytest.raises(ValueError):
        pcm_from_gemini(b"ID3...", "audio/mpeg")


def test_no_audio_is_a_refusal_or_gemini_s_failure():
    plan = speech_request_to_gemini({"input": "x"}, SETTINGS)
    with pytest.raises(InvalidRequestError) as caught:
        audio_from_gemini({"promptFeedback": {"blockReason": "SAFETY"}}, plan)
    assert caught.value.code == "content_policy_violation"
    with pytest.raises(UpstreamError, match="without audio"):
        audio_from_gemini({"candidates": [{"content": {"parts": [{"text": "hm"}]}, "finishReason": "STOP"}]}, plan)
    with pytest.raises(UpstreamError, match="could not be read"):
        audio_from_gemini(spoken("audio/ogg", b"OggS"), plan)
