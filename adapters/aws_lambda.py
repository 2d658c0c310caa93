"""AWS Lambda's entry (`Handler: adapters.aws_lambda.handler` in template.yaml): Mangum wraps the ASGI app.

Mangum turns each API Gateway HTTP API (payload 2.0), Function URL (the same 2.0 shape) or REST API
(1.0) event into one ASGI request and the app's answer into the proxy response Lambda returns.
- `lifespan="off"`: the app needs no startup, and settings are read on the first request, so a bad
  variable answers with an error that names it instead of failing every cold start.
- `text_mime_types`: bodies of these types go back as text; anything else would be base64-encoded.
  They are every type the gateway sends: JSON, the landing page and `text/event-stream`.
- `api_gateway_base_path` stays "/": the HTTP API's `$default` stage and Function URLs add no
  prefix, and a REST API's `path` comes without its stage. Every route also works without `/v1`.
Mangum buffers: a streamed completion reaches the client whole, at the end (clients accept that).
True streaming is the template's `Streaming=true` (Lambda Web Adapter, `aws_lambda_run.sh`).
Mangum runs every invocation on the event loop it made current at import, so the gateway keeps its
httpx client (and Gemini connections) from one warm invocation to the next.
"""

from adapters.startup import ModulesLoading

with ModulesLoading():
    from mangum import Mangum

    from adapters.app import app

__all__ = ["handler"]

handler = Mangum(app, lifespan="off", text_mime_types=["application/json", "text/"])
