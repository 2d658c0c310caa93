"""Images, speech and transcription through the OpenAI Python SDK, against the fake Gemini."""

from __future__ import annotations

import base64
import io
import struct
import wave

import openai
import pytest

from tests.e2e.conftest import USER_KEY
from tests.e2e.test_openai_sdk import sdk

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    return struct.unpack(">II", data[16:24])


def test_images_generate_b64_json_with_n_and_size(gw, fake):
    result = sdk(gw).images.generate(model="gpt-image-1", prompt="a lighthouse at dusk", n=2, size="1536x1024")
    assert len(result.data) == 2 and result.created > 0 and result.usage.total_tokens > 0
    for image in result.data:
        assert png_size(base64.b64decode(image.b64_json)) == (24, 16)  # the fake draws 3:2 as 24x16
    sent = [r for r in fake.requests if r["path"].endswith(":generateContent")]
    assert len(sent) == 2 and sent[0]["path"] == "/v1beta/models/gemini-nano-banana-2.1:generateContent"
    config = sent[0]["json"]["generationConfig"]
    assert config["responseModalities"] == ["TEXT", "IMAGE"] and config["imageConfig"] == {"aspectRatio": "3:2"}


def test_images_generate_url_is_a_data_url(gw):
    result = sdk(gw).images.generate(model="gemini-3-pro-image", prompt="a fox", response_format="url")
    header, _, data = result.data[0].url.partition(",")
    assert header == "data:image/png;base64" and base64.b64decode(data).startswith(PNG_SIGNATURE)


def test_images_edit_sends_every_image(gw, fake):
    png = base64.b64decode(sdk(gw).images.generate(prompt="a square").data[0].b64_json)
    fake.reset()
    result = sdk(gw).images.edit(model="gpt-image-1", image=[("a.png", png, "image/png"), ("b.png", png, "image/png")],
                                 prompt="put them side by side", size="1024x1024")
    assert base64.b64decode(result.data[0].b64_json).startswith(PNG_SIGNATURE)
    parts = fake.requests[-1]["json"]["contents"][0]["parts"]
    assert [p["inlineData"]["mimeType"] for p in parts if "inlineData" in p] == ["image/png", "image/png"]
    assert "Edited 2 input image(s)" in (result.data[0].revised_prompt or "")


def test_a_refused_picture_is_a_content_policy_error(gw):
    with pytest.raises(openai.BadRequestError) as caught:
        sdk(gw).images.generate(prompt="something forbidden #fake:image_safety")
    assert caught.value.code == "content_policy_violation"


def test_a_model_that_does_not_draw_is_a_clear_400(gw):
    with pytest.raises(openai.BadRequestError, match="does not draw images"):
        sdk(gw).images.generate(model="gemini-3.8-flash", prompt="a cat")


def test_an_oversized_upload_is_a_413(gateway):
    small = gateway({"MAX_BODY_BYTES": "1000"})
    with pytest.raises(openai.APIStatusError) as caught:
        sdk(small).images.edit(image=("big.png", PNG_SIGNATURE + b"\x00" * 5000, "image/png"), prompt="x")
    assert caught.value.status_code == 413


@pytest.mark.parametrize("model", ["gemini-3.8-flash-tts", "gemini-2.5-flash-preview-tts"])  # WAV and raw PCM upstream
def test_speech_wav_is_valid_24_khz_audio(gw, fake, model):
    audio = sdk(gw).audio.speech.create(model=model, voice="coral", input="Hello from the gateway.",
                                        response_format="wav", instructions="Warm and calm.")
    spoken = fake.requests[-1]["json"]["contents"][0]["parts"][0]["text"]  # with the style before it on older models
    with wave.open(io.BytesIO(audio.content)) as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getsampwidth()) == (24000, 1, 2)
        assert reader.getnframes() / 24000 == pytest.approx(0.02 * len(spoken), abs=0.01)  # the fake's speech rate
    config = fake.requests[-1]["json"]["generationConfig"]
    assert config["speechConfig"]["voiceConfig"]["prebuiltVoiceConfig"]["voiceName"] == "Sulafat"


def test_speech_mp3_is_the_sdk_s_default_and_decodes_as_mpeg_frames(gw):
    audio = sdk(gw).audio.speech.create(model="tts-1", voice="alloy", input="Hello there, this is a test.")
    assert audio.response.headers["content-type"] == "audio/mpeg"
    data = audio.content
    header = struct.unpack(">I", data[:4])[0]
    assert header >> 21 == 0x7FF  # frame sync
    version, layer, bitrate, rate = (header >> 19) & 3, (header >> 17) & 3, (header >> 12) & 15, (header >> 10) & 3
    assert (version, layer, rate) == (2, 1, 1)  # MPEG-2 Layer III at 24 kHz
    frame = 72 * 64000 // 24000 + ((header >> 9) & 1)  # 64 kbit/s frames
    assert bitrate == 8 and data[frame] == 0xFF and data[frame + 1] & 0xE0 == 0xE0  # the next frame follows


def test_speech_pcm_is_raw_samples(gw):
    audio = sdk(gw).audio.speech.create(model="tts-1", voice="onyx", input="Hi", response_format="pcm")
    assert len(audio.content) == 2 * int(24000 * 0.2)  # the fake's shortest speech: 0.2 s of 16-bit mono


def test_speech_in_an_unavailable_format_lists_the_available_ones(gw):
    with pytest.raises(openai.BadRequestError, match="mp3, wav, pcm"):
        sdk(gw).audio.speech.create(model="tts-1", voice="alloy", input="Hi", response_format="opus")


def wav_file(seconds: float = 1.5) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
        writer.writeframes(b"\x00\x01" * int(16000 * seconds))
    return out.getvalue()


def test_transcription_json(gw, fake):
    result = sdk(gw).audio.transcriptions.create(model="whisper-1", file=("speech.wav", wav_file(), "audio/wav"), language="en")
    assert result.text == "Hello from the fake transcriber. This is the second segment."
    parts = fake.requests[-1]["json"]["contents"][0]["parts"]
    assert parts[1]["inlineData"]["mimeType"] == "audio/wav" and base64.b64decode(parts[1]["inlineData"]["data"]) == wav_file()


def test_transcription_text_srt_vtt_and_verbose_json(gw):
    client = sdk(gw)
    text = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav_file(3.0)), response_format="text")
    assert text.strip() == "Hello from the fake transcriber. This is the second segment."
    srt = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav_file(3.0)), response_format="srt")
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,200\nHello from the fake transcriber.\n\n2\n00:00:01,200 --> 00:00:03,000\n")
    vtt = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav_file(3.0)), response_format="vtt")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.200\n")
    verbose = client.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav_file(3.0)), response_format="verbose_json",
                                                 timestamp_granularities=["segment"])
    assert verbose.duration == 3.0 and verbose.language == "english" and len(verbose.segments) == 2
    assert verbose.segments[1].end == 3.0


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK marks translations deprecated; clients still call it
def test_translation(gw, fake):
    result = sdk(gw).audio.translations.create(model="whisper-1", file=("speech.wav", wav_file(), "audio/wav"))
    assert result.text.startswith("[en] ")
    assert "into English" in fake.requests[-1]["json"]["contents"][0]["parts"][0]["text"]


@pytest.mark.parametrize(("file", "message"), [
    (("notes.txt", b"just text", "text/plain"), "send audio as"),
    (("empty.wav", b"", "audio/wav"), "is empty"),
])
def test_a_file_that_is_not_audio_is_a_clear_400(gw, file, message):
    with pytest.raises(openai.BadRequestError, match=message):
        sdk(gw).audio.transcriptions.create(model="whisper-1", file=file)


def test_chat_with_an_image_model_shows_the_picture(gw):
    client = sdk(gw)
    whole = client.chat.completions.create(model="gemini-nano-banana-2.1", messages=[{"role": "user", "content": "draw a cat"}])
    content = whole.choices[0].message.content
    assert "![image](data:image/png;base64," in content
    images = []
    for chunk in client.chat.completions.create(model="gemini-nano-banana-2.1", messages=[{"role": "user", "content": "draw a cat"}],
                                                stream=True):
        if chunk.choices:
            images += (chunk.choices[0].delta.model_extra or {}).get("images") or []
    assert len(images) == 1 and images[0]["image_url"]["url"].startswith("data:image/png;base64,")


def test_server_keys_apply_to_the_new_endpoints_too(gateway, fake):
    app = gateway({"GEMINI_API_KEY": "AIzaServerKey0000000000001", "AUTH_TOKEN": "team-token"})
    audio = sdk(app, api_key="team-token").audio.speech.create(model="tts-1", voice="alloy", input="Hi", response_format="wav")
    assert audio.content[:4] == b"RIFF" and fake.requests[-1]["key"] == "AIzaServerKey0000000000001"
    with pytest.raises(openai.AuthenticationError):
        sdk(app, api_key=USER_KEY).images.generate(prompt="x")
