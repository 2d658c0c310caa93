#!/bin/bash
# Lambda's start script when template.yaml's Streaming=true. The AWS Lambda Web Adapter layer's
# /opt/bootstrap (AWS_LAMBDA_EXEC_WRAPPER) execs $LAMBDA_TASK_ROOT/$_HANDLER, this file; the adapter
# waits until GET / answers on $PORT, then relays each invocation to this server and streams the
# response through the Function URL (AWS_LWA_INVOKE_MODE=response_stream). Same shape as
# https://github.com/aws/aws-lambda-web-adapter/blob/main/examples/fastapi-response-streaming-zip/app/run.sh
# uvicorn serves the same ASGI app as every platform. It reads the settings on the first request,
# so a bad variable answers with a message naming it rather than failing the readiness check.
# The gateway writes its own log line per request, hence no access log.
export PYTHONPATH="${LAMBDA_TASK_ROOT:-.}"
exec python -m uvicorn adapters.app:app --host 127.0.0.1 --port "${PORT:-8000}" --no-access-log --log-level warning
