"""The gateway as AWS Lambda serves it behind the template's HTTP API: Mangum fed payload 2.0 events.

A stdlib HTTP server plays API Gateway. Each request becomes the HTTP API v2.0 event described on
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
(header names lowercased, repeated headers joined with commas, cookies in their own list, the body
base64-encoded unless its content type is text); the handler's proxy response becomes the HTTP
answer. The handler runs in one `Environment`: a thread of its own that runs the init once and
then one invocation at a time with no running event loop, as the Lambda runtime does. Mangum
buffers every response, so `streams=False`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from .suite import Target

NAME = "lambda"

# HTTP APIs pass these bodies as text, any other as base64:
# https://aws.amazon.com/blogs/compute/handling-binary-data-using-amazon-api-gateway-http-apis/
_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml", "application/x-www-form-urlencoded")


class Environment:
    """One Lambda execution environment: `make_handler()` runs once as the init, in a thread of its
    own, and each call runs one invocation in that same thread, after the previous one."""

    def __init__(self, make_handler: Callable[[], Callable[[dict, Any], dict]]) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="lambda-environment")
        self.handler = self._thread.submit(make_handler).result()

    def __call__(self, event: dict) -> dict:
        return self.run(lambda: self.handler(event, None))

    def run(self, function: Callable[[], Any]) -> Any:
        """`function()` in the environment's thread, between invocations."""
        return self._thread.submit(function).result()

    def close(self) -> None:
        """What a shutdown leaves behind: the gateway's httpx client closed, then its event loop."""

        def shutdown() -> None:
            loop = asyncio.get_event_loop()
            loop.run_until_complete(self.handler.app.aclose())
            loop.close()

        self.run(shutdown)
        self._thread.shutdown()


def http_api_event(method: str, target: str, headers: list[tuple[str, str]], body: bytes, client_ip: str = "127.0.0.1") -> dict:
    """The event an HTTP API's `$default` route sends for one HTTP request."""
    path, _, query = target.partition("?")
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        name = name.lower()
        if name == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
        else:
            joined[name] = f"{joined[name]},{value}" if name in joined else value
    # API Gateway adds these (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html);
    # it serves HTTPS, this stand-in plain HTTP, which is what a client of it must be told.
    joined.setdefault("x-forwarded-proto", "http")
    joined.setdefault("x-forwarded-for", client_ip)
    params: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params[name] = f"{params[name]},{value}" if name in params else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query, "headers": joined,
        "requestContext": {
            "accountId": "123456789012", "apiId": "api-id", "domainName": joined.get("host", "localhost"),
            "domainPrefix": joined.get("host", "localhost").split(".")[0],
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": client_ip,
                     "userAgent": joined.get("user-agent", "")},
            "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if params:
        event["queryStringParameters"] = params
    if body:
        text = joined.get("content-type", "").startswith(_TEXT_TYPES)
        event["body"] = body.decode() if text else base64.b64encode(body).decode()
        event["isBase64Encoded"] = not text
    return event


def proxy_response(response: dict) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and body of a Lambda proxy response (payload 2.0, or 1.0's multi-value headers)."""
    body = response.get("body") or ""
    content = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    headers = [(name, value) for name, value in (response.get("headers") or {}).items()]
    headers += [(name, value) for name, values in (response.get("multiValueHeaders") or {}).items() for value in values]
    headers += [("set-cookie", cookie) for cookie in response.get("cookies") or ()]
    # API Gateway frames the body itself.
    headers = [(name, value) for name, value in headers if name.lower() not in ("content-length", "transfer-encoding")]
    return response.get("statusCode", 200), headers, content


def _server(environment: Environment) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _invoke(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            event = http_api_event(self.command, self.path, list(self.headers.items()), body, self.client_address[0])
            try:  # Lambda sends the handler's return value as JSON: a value that does not survive that fails too
                status, headers, content = proxy_response(json.loads(json.dumps(environment(event))))
            except Exception:  # what an HTTP API answers when the function fails
                status, headers, content = 500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}'
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        do_GET = do_POST = do_OPTIONS = do_HEAD = do_PUT = do_DELETE = do_PATCH = _invoke

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@contextmanager
def start(fake_url: str) -> Iterator[Target]:
    from mangum import Mangum

    from adapters import aws_lambda
    from adapters.app import Gateway

    # The module's own Mangum options, around a gateway pointed at the fake Gemini.
    options = aws_lambda.handler.config
    # AWS_LAMBDA_FUNCTION_NAME: reserved, set by every Lambda runtime; the page names Lambda by it.
    env = {"AWS_LAMBDA_FUNCTION_NAME": "gemini-openai-gateway", "GEMINI_BASE_URL": fake_url, "LOG_LEVEL": "warning"}
    environment = Environment(lambda: Mangum(Gateway(env=env),
                                             lifespan=aws_lambda.handler.lifespan, **options))
    server = _server(environment)
    thread = threading.Thread(target=server.serve_forever, name="api-gateway", daemon=True)
    thread.start()
    try:
        yield Target(NAME, f"http://127.0.0.1:{server.server_address[1]}", streams=False)
    finally:
        server.shutdown()
        server.server_close()
        environment.close()
