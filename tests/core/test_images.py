"""Image generations and edits → Gemini image models, and their pictures back (core/images.py)."""

from __future__ import annotations

import copy

import pytest

from core.config import Settings
from core.errors import InvalidRequestError, UpstreamError
from core.forms import Form, Upload
from core.images import image_edit_request_to_gemini, image_request_to_gemini, images_response_from_gemini

SETTINGS = Settings()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


def picture(mime="image/png", data="aGVsbG8=", text="A cat.", **extra):
    parts = ([{"text": text}] if text else []) + [{"inlineData": {"mimeType": mime, "data": data}}]
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", **extra}],
            "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 1290, "totalTokenCount": 1295}}


def test_a_generation_asks_an_image_model_for_text_and_image():
    plan = image_request_to_gemini({"prompt": "a cat", "model": "dall-e-3"}, SETTINGS)
    assert plan.model == "gemini-nano-banana-2.1" and plan.n == 1 and plan.response_format == "b64_json"
    assert plan.body == {"contents": [{"role": "user", "parts": [{"text": "a cat"}]}],
                         "generationConfig": {"responseModalities": ["TEXT", "IMAGE"]}}
    request = plan.upstream()[0]
    assert request.path == "/v1beta/models/gemini-nano-banana-2.1:generateContent"


@pytest.mark.parametrize(("size", "quality", "config"), [
    ("1024x1024", None, {"aspectRatio": "1:1"}),
    ("1536x1024", None, {"aspectRatio": "3:2"}),
    ("1024x1536", None, {"aspectRatio": "2:3"}),
    ("1792x1024", None, {"aspectRatio": "16:9", "imageSize": "2K"}),
    ("1024x1792", "hd", {"aspectRatio": "9:16", "imageSize": "4K"}),
    ("1024x1024", "high", {"aspectRatio": "1:1", "imageSize": "2K"}),
    ("2560x1080", None, {"aspectRatio": "21:9", "imageSize": "4K"}),
    ("256x256", "standard", {"aspectRatio": "1:1"}),
    ("auto", None, None),
])
def test_size_becomes_the_nearest_aspect_ratio_and_large_sizes_a_larger_image(size, quality, config):
    body = {"prompt": "x", "size": size, **({"quality": quality} if quality else {})}
    assert image_request_to_gemini(body, SETTINGS).body["generationConfig"].get("imageConfig") == config


def test_n_images_are_n_calls_and_gemini_image_models_are_used_as_named():
    plan = image_request_to_gemini({"prompt": "x", "n": 3, "model": "gemini-3-pro-image"}, SETTINGS)
    assert plan.model == "gemini-3-pro-image" and len(plan.upstream()) == 3


@pytest.mark.parametrize(("body", "param"), [
    ({}, "prompt"),
    ({"prompt": "  "}, "prompt"),
    ({"prompt": "x", "n": 11}, "n"),
    ({"prompt": "x", "n": 0}, "n"),
    ({"prompt": "x", "size": "big"}, "size"),
    ({"prompt": "x", "response_format": "png"}, "response_format"),
    ({"prompt": "x", "model": "gemini-2.5-flash"}, "model"),  # a model that does not draw
    ({"prompt": 5}, "prompt"),
])
def test_bad_requests_are_400s_naming_the_field(body, param):
    with pytest.raises(InvalidRequestError) as caught:
        image_request_to_gemini(body, SETTINGS)
    assert caught.value.param == param


def test_the_answer_holds_each_picture_and_the_usage_of_all_calls():
    plan = image_request_to_gemini({"prompt": "x", "n": 2}, SETTINGS)
    responses = [picture(), picture(data="d29ybGQ=")]
    before = copy.deepcopy(responses)
    answer, usage = images_response_from_gemini(responses, plan, 1700000000)
    assert responses == before
    assert answer["created"] == 1700000000 and answer["output_format"] == "png"
    assert [item["b64_json"] for item in answer["data"]] == ["aGVsbG8=", "d29ybGQ="]
    assert answer["data"][0]["revised_prompt"] == "A cat."
    assert answer["usage"]["input_tokens"] == 10 and answer["usage"]["output_tokens"] == 2580
    assert usage["prompt_tokens"] == 10 and usage["total_tokens"] == 2590


def test_url_asks_get_a_data_url():
    plan = image_request_to_gemini({"prompt": "x", "response_format": "url"}, SETTINGS)
    answer, _ = images_response_from_gemini([picture(mime="image/jpeg", text="")], plan, 1)
    assert answer["data"] == [{"url": "data:image/jpeg;base64,aGVsbG8="}] and answer["output_format"] == "jpeg"


def test_thought_images_are_drafts_not_answers():
    plan = image_request_to_gemini({"prompt": "x"}, SETTINGS)
    response = picture()
    response["candidates"][0]["content"]["parts"].insert(0, {"inlineData": {"mimeType": "image/png", "data": "ZHJhZnQ="}, "thought": True})
    assert [item["b64_json"] for item in images_response_from_gemini([response], plan, 1)[0]["data"]] == ["aGVsbG8="]


@pytest.mark.parametrize("response", [
    {"candidates": [{"finishReason": "IMAGE_SAFETY"}]},
    {"candidates": [{"content": {"parts": [{"text": "I can't draw that."}]}, "finishReason": "IMAGE_PROHIBITED_CONTENT"}]},
    {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}},
])
def test_a_refusal_is_a_content_policy_400(response):
    plan = image_request_to_gemini({"prompt": "x"}, SETTINGS)
    with pytest.raises(InvalidRequestError) as caught:
        images_response_from_gemini([response], plan, 1)
    assert caught.value.code == "content_policy_violation" and caught.value.status == 400


def test_an_answer_without_a_picture_is_gemini_s_failure_with_what_it_said():
    plan = image_request_to_gemini({"prompt": "x"}, SETTINGS)
    with pytest.raises(UpstreamError, match="Which cat"):
        images_response_from_gemini([{"candidates": [{"content": {"parts": [{"text": "Which cat?"}]}, "finishReason": "STOP"}]}], plan, 1)


def test_one_refused_call_of_several_still_answers_with_the_others():
    plan = image_request_to_gemini({"prompt": "x", "n": 2}, SETTINGS)
    answer, _ = images_response_from_gemini([{"candidates": [{"finishReason": "IMAGE_SAFETY"}]}, picture()], plan, 1)
    assert len(answer["data"]) == 1


def form(fields=None, files=None):
    return Form({k: [v] if isinstance(v, str) else v for k, v in (fields or {}).items()}, files or {})


def test_an_edit_sends_every_image_then_the_prompt():
    edit = form({"prompt": "make it blue", "n": "2", "size": "1536x1024"},
                {"image[]": [Upload("a.png", "image/png", PNG), Upload("b.bin", "application/octet-stream", b"\xff\xd8\xff\xe0jpeg")]})
    plan = image_edit_request_to_gemini(edit, SETTINGS)
    parts = plan.body["contents"][0]["parts"]
    assert [p.get("inlineData", {}).get("mimeType") for p in parts] == ["image/png", "image/jpeg", None]
    assert parts[-1] == {"text": "make it blue"}
    assert plan.n == 2 and plan.body["generationConfig"]["imageConfig"] == {"aspectRatio": "3:2"}


@pytest.mark.parametrize(("edit", "param", "code"), [
    (form({"prompt": "x"}), "image", None),
    (form({"prompt": "x"}, {"image": [Upload("a.txt", "text/plain", b"hello")]}), "image", "invalid_image_format"),
    (form({"prompt": "x"}, {"image": [Upload("a.png", "image/png", PNG)], "mask": [Upload("m.png", "image/png", PNG)]}),
     "mask", "unsupported_parameter"),
    (form({}, {"image": [Upload("a.png", "image/png", PNG)]}), "prompt", None),
    (form({"prompt": "x", "n": "lots"}, {"image": [Upload("a.png", "image/png", PNG)]}), "n", "invalid_value"),
])
def test_bad_edits_are_400s(edit, param, code):
    with pytest.raises(InvalidRequestError) as caught:
        image_edit_request_to_gemini(edit, SETTINGS)
    assert caught.value.param == param and caught.value.code == code


def test_an_edit_sent_as_json_says_to_send_a_form():
    with pytest.raises(InvalidRequestError, match="multipart/form-data"):
        image_edit_request_to_gemini({"prompt": "x"}, SETTINGS)
