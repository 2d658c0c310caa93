"""A fast fake Gemini for benchmarks: canned answers from a raw asyncio protocol.

    python -m bench.fake_upstream --port 8950 [--chunks 50]

It answers `:generateContent` with one short completion, `:streamGenerateContent` with `--chunks`
SSE events (chunked transfer, as Gemini sends them), and `GET .../models` with a small list, with
as little work per request as possible, so that calling it directly is the floor a proxy in front
of it is measured against. Uses uvloop and httptools when they are installed (pip install uvloop
httptools); tests/fakes/gemini.py is the full-featured fake for correctness tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import httptools

TEXT = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hello! How can I help you today?"}]},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 9, "totalTokenCount": 14},
        "modelVersion": "gemini-2.5-flash", "responseId": "bench"}
MODELS = {"models": [{"name": "models/gemini-2.5-flash", "inputTokenLimit": 1048576, "outputTokenLimit": 65536}]}


def _json_response(value: dict) -> bytes:
    body = json.dumps(value).encode()
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)


def _stream_response(chunks: int) -> bytes:
    """`chunks` events of one short text part each, the last with finishReason, chunk-encoded."""
    out = [b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"]
    for n in range(chunks):
        candidate = {"content": {"role": "model", "parts": [{"text": f"word{n} "}]}, "index": 0}
        if n == chunks - 1:
            candidate["finishReason"] = "STOP"
        event = {"candidates": [candidate], "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": n + 1,
                 "totalTokenCount": n + 6}, "modelVersion": "gemini-2.5-flash"}
        payload = b"data: " + json.dumps(event).encode() + b"\r\n\r\n"
        out.append(b"%x\r\n%s\r\n" % (len(payload), payload))
    out.append(b"0\r\n\r\n")
    return b"".join(out)


class _Protocol(asyncio.Protocol):
    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()  # llhttp forgets it once the message is complete

    def on_message_complete(self) -> None:
        url, self.url = self.url, b""
        if b":streamGenerateContent" in url:
            self.transport.write(self.answers["stream"])
        elif b":generateContent" in url:
            self.transport.write(self.answers["text"])
        else:
            self.transport.write(self.answers["models"])
        if not self.keep_alive:
            self.transport.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8950)
    parser.add_argument("--chunks", type=int, default=50)
    args = parser.parse_args()
    answers = {"text": _json_response(TEXT), "stream": _stream_response(args.chunks), "models": _json_response(MODELS)}
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(lambda: _Protocol(answers), "127.0.0.1", args.port, backlog=1024))
    print(f"listening on http://127.0.0.1:{args.port}", flush=True)
    loop.run_until_complete(server.serve_forever())


if __name__ == "__main__":
    main()
