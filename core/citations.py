"""Gemini `groundingMetadata` (Google Search grounding) → OpenAI `url_citation` annotations."""

from __future__ import annotations

from typing import Any, TypeGuard

__all__ = ["annotations_from_grounding"]


def annotations_from_grounding(metadata: Any, text: str) -> list[dict[str, Any]]:
    """One `url_citation` per (supported segment, source), with character offsets into `text`.

    Gemini's `segment.startIndex`/`endIndex` are UTF-8 *byte* offsets (types.Segment); OpenAI's
    `start_index`/`end_index` count characters. When the bytes at those offsets do not spell the
    segment's own `text` (offsets relative to another part, or shifted by thought parts), the
    segment is found by its text instead.
    """
    if not isinstance(metadata, dict):
        return []
    chunks, supports = metadata.get("groundingChunks"), metadata.get("groundingSupports")
    chunks = chunks if isinstance(chunks, list) else []
    supports = supports if isinstance(supports, list) else []
    encoded = text.encode("utf-8")
    annotations = []
    for support in supports:
        if not isinstance(support, dict) or not isinstance(support.get("segment"), dict):
            continue
        span = _span(support["segment"], text, encoded)
        indices = support.get("groundingChunkIndices")
        if span is None or not isinstance(indices, list):
            continue
        for index in indices:
            source = _source(chunks, index)
            if source is not None:
                url, title = source
                annotations.append({
                    "type": "url_citation",
                    "url_citation": {"start_index": span[0], "end_index": span[1], "url": url, "title": title},
                })
    return annotations


def _span(segment: dict[str, Any], text: str, encoded: bytes) -> tuple[int, int] | None:
    start, end = segment.get("startIndex", 0), segment.get("endIndex")
    wanted = segment.get("text") if isinstance(segment.get("text"), str) else None
    if _is_index(start) and _is_index(end) and start <= end <= len(encoded):
        try:
            piece = encoded[start:end].decode("utf-8")
        except UnicodeDecodeError:
            piece = None  # offsets that split a character are not offsets into this text
        if piece is not None and (wanted is None or piece == wanted):
            char_start = len(encoded[:start].decode("utf-8"))
            return char_start, char_start + len(piece)
    if wanted:
        position = text.find(wanted)
        if position >= 0:
            return position, position + len(wanted)
    return None


def _source(chunks: list[Any], index: Any) -> tuple[str, str] | None:
    if not _is_index(index) or index >= len(chunks) or not isinstance(chunks[index], dict):
        return None
    web = chunks[index].get("web")
    if not isinstance(web, dict) or not isinstance(web.get("uri"), str):
        return None
    title = web.get("title")
    return web["uri"], (title if isinstance(title, str) else web["uri"])


def _is_index(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
