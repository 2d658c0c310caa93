"""OpenAI `/images/generations` and `/images/edits` → Gemini's image models, and the images back.

Gemini draws through `generateContent` on an image model (`gemini-nano-banana-2.1`,
`gemini-3-pro-image`, ...) with `responseModalities: ["TEXT", "IMAGE"]`; pictures come back as
`inlineData` parts. Image models answer one candidate per call, so `n` images are `n` calls, sent
in parallel by the shell. `size` becomes the nearest aspect ratio Gemini offers and an `imageSize`
for sizes above 1K; the gateway hosts nothing, so `response_format: "url"` gets a `data:` URL.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, NamedTuple

from .candidates import candidate_parts, finish_reason_of, refusal_of, response_candidates
from .chat_response import check_gemini_response
from .config import Settings
from .errors import GatewayError, InvalidRequestError, UpstreamError
from .fields import get_int, get_str, require_dict
from .forms import Form, form_files, form_text, upload_type
from .lineup import is_image_model
from .models import resolve_model
from .upstream import UpstreamRequest, generate_request
from .usage import add_usage, usage_from_gemini

__all__ = [
    "ImagePlan",
    "image_edit_request_to_gemini",
    "image_request_to_gemini",
    "images_response_from_gemini",
]

MAX_IMAGES = 10  # OpenAI's limit for `n`
MAX_EDIT_IMAGES = 16  # OpenAI's limit for `image[]` on edits
# Gemini's aspect ratios (types.ImageConfig), as width / height.
_RATIOS = {
    "1:1": 1.0, "2:3": 2 / 3, "3:2": 3 / 2, "3:4": 3 / 4, "4:3": 4 / 3, "4:5": 4 / 5, "5:4": 5 / 4,
    "9:16": 9 / 16, "16:9": 16 / 9, "21:9": 21 / 9,
}
_EDIT_TYPES = ("image/png", "image/jpeg", "image/webp", "image/heic", "image/heif")
# Finish reasons (and prompt block reasons) that mean Gemini refused to draw this.
_REFUSALS = frozenset({
    "SAFETY", "IMAGE_SAFETY", "PROHIBITED_CONTENT", "IMAGE_PROHIBITED_CONTENT", "BLOCKLIST", "SPII",
    "RECITATION", "IMAGE_RECITATION",
})
_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp"}


class ImagePlan(NamedTuple):
    """`n` identical Gemini calls, and how the client wants the pictures."""

    model: str
    body: dict[str, Any]
    n: int = 1
    response_format: str = "b64_json"

    def upstream(self) -> list[UpstreamRequest]:
        return [generate_request(self.model, self.body, stream=False)] * self.n


def image_request_to_gemini(body: Mapping[str, Any], settings: Settings) -> ImagePlan:
    """Translate an OpenAI `/images/generations` request body."""
    body = require_dict(body, "body")
    prompt = get_str(body, "prompt", required=True)
    return _plan(
        [{"text": _check_prompt(prompt)}], settings, model=get_str(body, "model"), n=get_int(body, "n", minimum=1, maximum=MAX_IMAGES),
        size=get_str(body, "size"), quality=get_str(body, "quality"), response_format=get_str(body, "response_format"),
    )


def image_edit_request_to_gemini(form: Form, settings: Settings) -> ImagePlan:
    """Translate an OpenAI `/images/edits` multipart form: the prompt and the images to start from."""
    if not isinstance(form, Form):
        raise InvalidRequestError("Send image edits as multipart/form-data, with the images as file parts.")
    if form_files(form, "mask") or form_text(form, "mask"):
        raise InvalidRequestError("'mask' is not supported: Gemini edits the whole image; describe the change in "
                                  "the prompt instead.", param="mask", code="unsupported_parameter")
    prompt = _check_prompt(form_text(form, "prompt", required=True))
    uploads = form_files(form, "image", "image[]")
    if not uploads:
        raise InvalidRequestError("Missing required file 'image': send one or more images as 'image' (or 'image[]').",
                                  param="image")
    if len(uploads) > MAX_EDIT_IMAGES:
        raise InvalidRequestError(f"Send at most {MAX_EDIT_IMAGES} images, not {len(uploads)}.", param="image")
    parts: list[dict[str, Any]] = []
    for upload in uploads:
        kind = upload_type(upload)
        if kind not in _EDIT_TYPES:
            raise InvalidRequestError(
                f"The image {upload.filename[:60]!r} is {kind or 'of an unknown type'}; send PNG, JPEG, WebP or HEIC.",
                param="image", code="invalid_image_format")
        parts.append({"inlineData": {"mimeType": kind, "data": _b64(upload.data)}})
    parts.append({"text": prompt})
    return _plan(
        parts, settings, model=form_text(form, "model"), n=_form_int(form, "n", MAX_IMAGES),
        size=form_text(form, "size"), quality=form_text(form, "quality"), response_format=form_text(form, "response_format"),
    )


def images_response_from_gemini(responses: list[Any], plan: ImagePlan, created: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The OpenAI images answer (every picture from the `n` calls, with the usage they add up to),
    and that usage in chat's shape, for the log."""
    data: list[dict[str, Any]] = []
    usage = None
    refusal: GatewayError | None = None
    output_format = None
    for response in responses:
        response = check_gemini_response(response)
        usage = add_usage(usage, usage_from_gemini(response.get("usageMetadata")))
        images, text = _images(response)
        if not images:
            refusal = refusal or _no_image(response, text)
            continue
        for mime, b64 in images:
            output_format = output_format or _FORMATS.get(mime)
            item = {"url": f"data:{mime};base64,{b64}"} if plan.response_format == "url" else {"b64_json": b64}
            if text:
                item["revised_prompt"] = text  # what the model said about the picture
            data.append(item)
    if not data:
        raise refusal or UpstreamError("Gemini answered without an image.")
    answer: dict[str, Any] = {"created": created, "data": data}
    if output_format:
        answer["output_format"] = output_format
    if usage:
        answer["usage"] = _image_usage(usage)
    return answer, usage


def _plan(parts: list[dict[str, Any]], settings: Settings, *, model: str | None, n: int | None, size: str | None,
          quality: str | None, response_format: str | None) -> ImagePlan:
    model_name = _image_model(model, settings)
    fmt = (response_format or "b64_json").lower()
    if fmt not in ("b64_json", "url"):
        raise InvalidRequestError(f"'response_format' must be 'b64_json' or 'url', got {fmt[:20]!r}.",
                                  param="response_format", code="invalid_value")
    config: dict[str, Any] = {"responseModalities": ["TEXT", "IMAGE"]}
    image_config = _image_config(size, quality)
    if image_config:
        config["imageConfig"] = image_config
    body = {"contents": [{"role": "user", "parts": parts}], "generationConfig": config}
    return ImagePlan(model_name, body, n or 1, fmt)


def _image_model(requested: str | None, settings: Settings) -> str:
    """Gemini image models as named (after aliases); OpenAI's (dall-e-3, gpt-image-1) use the default."""
    name = resolve_model(requested, settings.default_image_model, settings)
    if not is_image_model(name):
        raise InvalidRequestError(
            f"The model {name[:80]!r} does not draw images; use a Gemini image model such as "
            f"{settings.default_image_model!r} (or an OpenAI name like 'gpt-image-1' for the default).",
            param="model", code="model_not_supported")
    return name


def _image_config(size: str | None, quality: str | None) -> dict[str, Any]:
    """`size` "WxH" → the nearest Gemini aspect ratio, and "2K"/"4K" for large sizes or high quality."""
    config: dict[str, Any] = {}
    longest = 0
    if size and size.lower() != "auto":
        width, x, height = size.lower().partition("x")
        if not (x and width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
            raise InvalidRequestError(f"'size' must be 'auto' or WIDTHxHEIGHT (e.g. 1024x1024), got {size[:20]!r}.",
                                      param="size", code="invalid_value")
        ratio = int(width) / int(height)
        config["aspectRatio"] = min(_RATIOS, key=lambda name: abs(_RATIOS[name] / ratio - 1))
        longest = max(int(width), int(height))
    if longest > 2048 or (longest > 1536 and (quality or "").lower() in ("hd", "high")):
        config["imageSize"] = "4K"
    elif longest > 1536 or (quality or "").lower() in ("hd", "high"):
        config["imageSize"] = "2K"
    return config


def _images(response: dict[str, Any]) -> tuple[list[tuple[str, str]], str]:
    """The pictures in a response (mime type, base64) and the text that came with them."""
    images, texts = [], []
    for candidate in response_candidates(response):
        for part in candidate_parts(candidate):
            if part.get("thought") is True:
                continue  # thought images are drafts, not the answer
            inline = part.get("inlineData")
            if isinstance(inline, dict) and str(inline.get("mimeType", "")).startswith("image/") and inline.get("data"):
                images.append((inline["mimeType"], inline["data"]))
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])
    return images, "".join(texts).strip()


def _no_image(response: dict[str, Any], text: str) -> GatewayError:
    """Why a response holds no picture: a refusal is the client's 400, anything else Gemini's failure."""
    refused = refusal_of(response, _REFUSALS)
    if refused:
        said = f" Gemini said: {text[:300]}" if text else ""
        return InvalidRequestError(f"Gemini refused to draw this ({refused}).{said}", param="prompt",
                                   code="content_policy_violation")
    said = f": {text[:300]}" if text else f" (finishReason: {finish_reason_of(response)})"
    return UpstreamError(f"Gemini answered without an image{said}")


def _image_usage(usage: dict[str, Any]) -> dict[str, Any]:
    """gpt-image-1's usage shape."""
    return {
        "input_tokens": usage["prompt_tokens"],
        "output_tokens": usage["completion_tokens"],
        "total_tokens": usage["total_tokens"],
        "input_tokens_details": {"text_tokens": usage["prompt_tokens"], "image_tokens": 0},
    }


def _check_prompt(prompt: str | None) -> str:
    if not prompt or not prompt.strip():
        raise InvalidRequestError("'prompt' is empty: say what to draw.", param="prompt")
    return prompt


def _form_int(form: Form, name: str, maximum: int) -> int | None:
    value = form_text(form, name)
    if value is None or value == "":
        return None
    if not value.strip().isdigit() or not 1 <= int(value) <= maximum:
        raise InvalidRequestError(f"'{name}' must be an integer between 1 and {maximum}, got {value[:20]!r}.",
                                  param=name, code="invalid_value")
    return int(value)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
