"""AWS Lambda: template.yaml (cfn-lint, SAM's own transform, moto's CloudFormation), the Mangum handler
driven with the AWS docs' example events (tests/adapters/aws_events/SOURCES.md), the package the
Makefile builds, and the start script of the streaming variant. Gemini is the local fake throughout.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import io
import json
import os
import socket
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import httpx
import pytest
from mangum import Mangum

import adapters.app
from adapters import aws_lambda
from adapters.app import Gateway
from tests.platforms import suite
from tests.platforms.target_lambda import Environment, proxy_response

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
EVENTS = Path(__file__).parent / "aws_events"
KINDS = ["http_api_v2", "function_url", "rest_api_v1"]
KEY = "AIzaLambdaClientKey000001"
JSON_AUTH = {"content-type": "application/json", "authorization": f"Bearer {KEY}"}


def chat_body(text: str, **extra) -> bytes:
    return json.dumps({"model": "gemini-2.5-flash-lite", "messages": [{"role": "user", "content": text}], **extra}).encode()


def doc_event(kind: str, method: str, path: str, *, headers: dict | None = None, body: bytes = b"", base64_body: bool = False) -> dict:
    """The AWS docs' example event, changed only where a request to one of our routes differs."""
    headers = headers or {}
    event = json.loads((EVENTS / f"{kind}.json").read_text())
    if event.get("version") == "2.0":  # HTTP API and Function URL
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["requestContext"]["http"]["method"] = method
        event["rawQueryString"] = ""
        event.pop("queryStringParameters", None)
    else:  # REST API: `path` comes without the stage (`testStage` in the example)
        event["path"], event["httpMethod"] = path, method
        event["pathParameters"] = {"proxy": path.lstrip("/")}
        event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
        event["multiValueHeaders"] = {**event["multiValueHeaders"], **{k: [v] for k, v in headers.items()}}
    event["headers"] = {**event["headers"], **headers}
    event["body"] = (base64.b64encode(body) if base64_body else body).decode() or None
    event["isBase64Encoded"] = base64_body
    return event


@pytest.fixture
def environment(fake_server):
    """A fresh execution environment running the module's Mangum options around a gateway on the fake."""
    gateway_env = {"GEMINI_BASE_URL": fake_server[1], "LOG_LEVEL": "warning"}
    env = Environment(lambda: Mangum(Gateway(env=gateway_env), lifespan=aws_lambda.handler.lifespan, **aws_lambda.handler.config))
    yield env
    env.close()


# ---- the handler, invoked as Lambda does ----------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_chat_then_buffered_stream_in_one_warm_environment(environment, fake, kind):
    loop = environment.run(asyncio.get_event_loop)
    chat = environment(doc_event(kind, "POST", "/v1/chat/completions", headers=JSON_AUTH, body=chat_body("hello lambda")))
    status, headers, content = proxy_response(chat)
    assert (status, chat["isBase64Encoded"], dict(headers)["content-type"]) == (200, False, "application/json")
    assert json.loads(content)["choices"][0]["message"]["content"] == "echo: hello lambda"
    assert fake.requests[-1]["key"] == KEY

    stream = environment(doc_event(kind, "POST", "/v1/chat/completions", headers=JSON_AUTH,
                                   body=chat_body("count #fake:chunks=3", stream=True)))
    status, headers, content = proxy_response(stream)
    assert (status, stream["isBase64Encoded"]) == (200, False)  # text, not base64: text/ is a text type
    assert dict(headers)["content-type"].startswith("text/event-stream")
    events = suite.sse_events(content.decode())
    assert events[-1] == "[DONE]" and content.endswith(b"data: [DONE]\n\n")
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1]) == "echo: count"
    # Mangum runs each invocation on the loop it made current at init: the gateway's httpx client,
    # kept per event loop, lives on across warm invocations.
    assert environment.run(asyncio.get_event_loop) is loop and not loop.is_closed()


@pytest.mark.parametrize("kind", KINDS)
def test_base64_encoded_request_body(environment, fake, kind):
    # Also a path without /v1: the gateway serves both.
    event = doc_event(kind, "POST", "/chat/completions", headers=JSON_AUTH, body=chat_body("encoded"), base64_body=True)
    status, _, content = proxy_response(environment(event))
    assert status == 200 and json.loads(content)["choices"][0]["message"]["content"] == "echo: encoded"


ERRORS = [  # (body, status, error type, header expected)
    (b'{"model": "gemini-2.5-flash-lite", "messages": [', 400, "invalid_request_error", None),
    (chat_body("#fake:status=429"), 429, "rate_limit_error", "retry-after"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("body, expected_status, error_type, header", ERRORS, ids=["bad-json", "upstream-429"])
def test_errors_in_openai_envelope(environment, fake, kind, body, expected_status, error_type, header):
    response = environment(doc_event(kind, "POST", "/v1/chat/completions", headers=JSON_AUTH, body=body))
    status, headers, content = proxy_response(response)
    assert (status, response["isBase64Encoded"]) == (expected_status, False)
    assert json.loads(content)["error"]["type"] == error_type
    assert header is None or header in dict(headers)


@pytest.mark.parametrize("kind", KINDS)
def test_cors_preflight_and_landing_page(environment, kind):
    preflight = environment(doc_event(kind, "OPTIONS", "/v1/chat/completions", headers={
        "origin": "https://chat.example", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type"}))
    status, headers, content = proxy_response(preflight)
    assert (status, content, dict(headers)["access-control-allow-origin"]) == (204, b"", "*")
    assert "POST" in dict(headers)["access-control-allow-methods"]
    page = environment(doc_event(kind, "GET", "/"))
    status, headers, content = proxy_response(page)
    assert (status, page["isBase64Encoded"], dict(headers)["content-type"]) == (200, False, "text/plain; charset=utf-8")
    assert b"/v1" in content


def test_module_handler_reads_the_environment_as_deployed(monkeypatch, fake_server, fake):
    # Empty parameters in template.yaml become empty variables: pass-through mode.
    for name, value in {"GEMINI_BASE_URL": fake_server[1], "GEMINI_API_KEY": "", "AUTH_TOKEN": "", "LOG_LEVEL": "warning"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(adapters.app, "app", Gateway())  # a gateway that has not read its settings yet
    # The runtime imports the module in the thread that then invokes it.
    environment = Environment(lambda: importlib.reload(aws_lambda).handler)
    try:
        for text in ("first", "second"):
            response = environment(doc_event("http_api_v2", "POST", "/v1/chat/completions", headers=JSON_AUTH, body=chat_body(text)))
            assert json.loads(proxy_response(response)[2])["choices"][0]["message"]["content"] == f"echo: {text}"
            assert fake.requests[-1]["key"] == KEY
    finally:
        environment.close()


# ---- template.yaml -----------------------------------------------------------------------------


def sam_template() -> dict:
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(TEMPLATE.read_text())


def expand(streaming: str, monkeypatch) -> dict:
    """template.yaml through SAM's transform, with the S3 location `sam deploy` would upload to."""
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self) -> dict:
            return {}

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = sam_template()
    template["Globals"]["Function"]["CodeUri"] = "s3://gateway-artifacts/gateway.zip"
    return transform(template, {"Streaming": streaming}, NoManagedPolicies())


def test_template_passes_cfn_lint():
    from cfnlint.api import lint_file

    assert [str(match) for match in lint_file(TEMPLATE)] == []


@pytest.mark.parametrize("streaming", ["false", "true"])
def test_template_expands(monkeypatch, streaming):
    resources = expand(streaming, monkeypatch)["Resources"]
    # CloudFormation, not SAM, evaluates the conditions: both variants are in every expansion.
    assert {name: (r["Type"], r.get("Condition")) for name, r in resources.items()} == {
        "GatewayFunction": ("AWS::Lambda::Function", "Buffered"), "GatewayFunctionRole": ("AWS::IAM::Role", "Buffered"),
        "GatewayFunctionUrl": ("AWS::Lambda::Url", "Buffered"),
        "GatewayFunctionUrlPublicPermissions": ("AWS::Lambda::Permission", "Buffered"),
        "GatewayFunctionURLInvokeAllowPublicAccess": ("AWS::Lambda::Permission", "Buffered"),
        "GatewayFunctionCatchAllPermission": ("AWS::Lambda::Permission", "Buffered"),
        "GatewayApi": ("AWS::ApiGatewayV2::Api", "Buffered"),
        "GatewayApiApiGatewayDefaultStage": ("AWS::ApiGatewayV2::Stage", "Buffered"),
        "StreamingFunction": ("AWS::Lambda::Function", "Streams"), "StreamingFunctionRole": ("AWS::IAM::Role", "Streams"),
        "StreamingFunctionUrl": ("AWS::Lambda::Url", "Streams"),
        "StreamingFunctionUrlPublicPermissions": ("AWS::Lambda::Permission", "Streams"),
        "StreamingFunctionURLInvokeAllowPublicAccess": ("AWS::Lambda::Permission", "Streams"),
    }
    route = resources["GatewayApi"]["Properties"]["Body"]["paths"]["$default"]["Fn::If"][1]["x-amazon-apigateway-any-method"]["Fn::If"][1]
    assert route["isDefaultRoute"] and route["x-amazon-apigateway-integration"]["payloadFormatVersion"] == "2.0"
    assert resources["GatewayApiApiGatewayDefaultStage"]["Properties"]["StageName"] == "$default"
    modes = [resources[f"{name}Url"]["Properties"]["InvokeMode"] for name in ("GatewayFunction", "StreamingFunction")]
    assert modes == ["BUFFERED", "RESPONSE_STREAM"]
    assert resources["StreamingFunction"]["Properties"]["Layers"] == [
        {"Fn::Sub": "arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:${WebAdapterLayerVersion}"}]


@pytest.mark.parametrize("streaming", ["false", "true"])
def test_public_function_urls_grant_both_invoke_actions(monkeypatch, streaming):
    """Since October 2025 a public (AuthType NONE) Function URL needs two grants to `*`:
    lambda:InvokeFunctionUrl (FunctionUrlAuthType NONE) and lambda:InvokeFunction restricted to calls
    through the URL (InvokedViaFunctionUrl), or it answers 403 Forbidden
    (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html#urls-auth-none)."""
    resources = expand(streaming, monkeypatch)["Resources"]
    template = sam_template()["Resources"]
    public = [name for name, r in template.items() if r.get("Properties", {}).get("FunctionUrlConfig", {}).get("AuthType") == "NONE"]
    assert public == ["GatewayFunction", "StreamingFunction"]
    for function in public:
        grants = {r["Properties"]["Action"]: r["Properties"] for r in resources.values()
                  if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["FunctionName"] == {"Ref": function}
                  and r["Properties"]["Principal"] == "*"}
        assert grants["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "NONE", function
        assert grants["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True, function


def test_sam_builds_in_source():
    """`sam build` reads samconfig.toml: building in source spares it a copy of the whole folder
    (node_modules included) before the Makefile picks out the runtime."""
    from tests.platforms.runtimes import read_toml

    assert read_toml(ROOT / "samconfig.toml")["default"]["build"]["parameters"]["build_in_source"] is True
    assert {r["Metadata"]["BuildMethod"] for r in sam_template()["Resources"].values() if "Metadata" in r
            and r["Type"] == "AWS::Serverless::Function"} == {"makefile"}  # a build method that supports it


def test_outputs_are_api_bases_ending_in_v1():
    outputs = sam_template()["Outputs"]
    assert outputs["ApiBase"]["Value"] == {"Fn::If": ["Buffered", {"Fn::Sub": "${GatewayFunctionUrl.FunctionUrl}v1"},
                                                      {"Fn::Sub": "${StreamingFunctionUrl.FunctionUrl}v1"}]}
    assert outputs["HttpApiBase"]["Value"]["Fn::Sub"].endswith("/v1") and outputs["HttpApiBase"]["Condition"] == "Buffered"


STACKS = {  # Streaming -> what moto creates, what it skips (with a warning), and the function's settings
    "false": ({"GatewayFunction", "GatewayFunctionRole", "GatewayFunctionCatchAllPermission",
               "GatewayFunctionUrlPublicPermissions", "GatewayFunctionURLInvokeAllowPublicAccess"},
              {"AWS::Lambda::Url", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage"},
              {"Handler": "adapters.aws_lambda.handler", "Variables": {}}),
    "true": ({"StreamingFunction", "StreamingFunctionRole",
              "StreamingFunctionUrlPublicPermissions", "StreamingFunctionURLInvokeAllowPublicAccess"},
             {"AWS::Lambda::Url"},
             {"Handler": "adapters/aws_lambda_run.sh", "Variables": {
                 "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap", "AWS_LWA_INVOKE_MODE": "response_stream", "PORT": "8000"}}),
}


@pytest.mark.parametrize("streaming", ["false", "true"])
def test_stack_creates_the_function_in_moto(monkeypatch, streaming):
    import boto3
    from moto import mock_aws

    template = expand(streaming, monkeypatch)
    del template["Outputs"]  # they read attributes of the Url and Api resources moto does not create
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    resources, skipped, expected = STACKS[streaming]
    with mock_aws(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as archive:
            archive.writestr("adapters/aws_lambda.py", (ROOT / "adapters/aws_lambda.py").read_text())
        boto3.client("s3").create_bucket(Bucket="gateway-artifacts")
        boto3.client("s3").put_object(Bucket="gateway-artifacts", Key="gateway.zip", Body=package.getvalue())
        cloudformation = boto3.client("cloudformation")
        cloudformation.create_stack(StackName="gateway", TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_IAM"],
                                    Parameters=[{"ParameterKey": "Streaming", "ParameterValue": streaming},
                                                {"ParameterKey": "GeminiApiKey", "ParameterValue": "AIzaServerKey"},
                                                {"ParameterKey": "AuthToken", "ParameterValue": "token-1,token-2"}])
        summaries = cloudformation.list_stack_resources(StackName="gateway")["StackResourceSummaries"]
        created = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in summaries if r["LogicalResourceId"]}  # skipped: blank
        function = next(name for name in resources if name.endswith("Function"))
        config = boto3.client("lambda").get_function_configuration(FunctionName=created[function])
    assert set(created) == resources
    assert {str(w.message).split()[3] for w in caught if "not supported by moto" in str(w.message)} == skipped
    assert {key: config[key] for key in ("Handler", "Runtime", "Timeout", "MemorySize", "Architectures")} == {
        "Handler": expected["Handler"], "Runtime": "python3.12", "Timeout": 900, "MemorySize": 512, "Architectures": ["x86_64"]}
    assert config["Environment"]["Variables"] == {"GEMINI_API_KEY": "AIzaServerKey", "AUTH_TOKEN": "token-1,token-2",
                                                  **expected["Variables"]}


# ---- what gets deployed ------------------------------------------------------------------------


def test_template_handlers_exist():
    functions = sam_template()["Resources"]
    module, _, name = functions["GatewayFunction"]["Properties"]["Handler"].rpartition(".")
    assert isinstance(getattr(importlib.import_module(module), name), Mangum)
    script = ROOT / functions["StreamingFunction"]["Properties"]["Handler"]
    assert os.access(script, os.X_OK) and script.read_text().startswith("#!/bin/bash\n")


FUNCTIONS = [name for name, r in sam_template()["Resources"].items() if r["Type"] == "AWS::Serverless::Function"]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_makefile_packages_only_the_runtime(tmp_path, function):
    assert sam_template()["Resources"][function]["Metadata"] == {"BuildMethod": "makefile"}
    # A stand-in for the interpreter records the pip command instead of downloading wheels.
    pip = tmp_path / "python"
    pip.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "pip-args"}\n')
    pip.chmod(0o755)
    package = tmp_path / "package"
    subprocess.run(["make", "--no-print-directory", f"build-{function}", f"ARTIFACTS_DIR={package}", f"PYTHON={pip}"],
                   cwd=ROOT, check=True, capture_output=True)
    files = {str(path.relative_to(package)) for path in package.rglob("*") if path.is_file()}
    runtime = {str(path.relative_to(ROOT)) for folder in ("core", "adapters") for path in (ROOT / folder).glob("*.py")}
    assert files == runtime | {"adapters/aws_lambda_run.sh"}
    assert os.access(package / "adapters/aws_lambda_run.sh", os.X_OK)
    commands = (tmp_path / "pip-args").read_text().splitlines()
    args = commands[0].split()
    assert commands[1].startswith("-c import sys")  # compile only with Lambda's own Python version
    assert args[:3] == ["-m", "pip", "install"]
    assert " ".join(args).count(f"--target {package} -r requirements-lambda.txt") == 1
    assert {"manylinux2014_x86_64", "3.12", "--only-binary=:all:"} <= set(args)


def test_streaming_start_script_serves_a_stream(fake_server):
    """What the Web Adapter runs (Streaming=true): uvicorn on $PORT, streaming as it goes."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LAMBDA_TASK_ROOT": str(ROOT), "PORT": str(port), "GEMINI_BASE_URL": fake_server[1],
           "LOG_LEVEL": "warning", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen(["bash", str(ROOT / "adapters/aws_lambda_run.sh")], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 20
        while True:  # the adapter's readiness check: GET / until it answers
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "the start script did not serve"
                time.sleep(0.1)
        suite.stream(suite.Target("lambda-web-adapter", f"http://127.0.0.1:{port}", streams=True), fake_server[0])
    finally:
        server.terminate()
        server.wait(10)
