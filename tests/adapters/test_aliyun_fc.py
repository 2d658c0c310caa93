"""s.yaml for Alibaba Cloud FC 3.0: valid fc3 props, a region Gemini serves, a lean code package.

The runtime itself is proven by the behaviour suite (tests/platforms/target_fc.py), which starts
s.yaml's exact command with Python 3.10 on port 9000.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from adapters import aliyun_fc
from tests.platforms.fc import gateway_resource, package_files

HERE = Path(__file__).resolve().parent


def fc3_schema() -> dict:
    """The team's shared copy of the fc3 props schema if this checkout sits near it, else ours."""
    for ancestor in HERE.parents:
        shared = ancestor / "shared" / "schemas" / "fc3-props.schema.json"
        if shared.is_file():
            return json.loads(shared.read_text())
    return json.loads((HERE / "fc3" / "fc3-props.schema.json").read_text())


def test_props_validate_against_the_fc3_schema():
    schema = fc3_schema()
    props = gateway_resource({"GEMINI_API_KEY": "", "AUTH_TOKEN": ""})["props"]
    jsonschema.validators.validator_for(schema)(schema).validate(props)


def test_the_function_is_a_streaming_custom_runtime_in_a_region_gemini_serves():
    resource = gateway_resource()
    props = resource["props"]
    assert resource["component"] == "fc3"
    assert not props["region"].startswith("cn-"), "Gemini serves neither mainland China nor Hong Kong"
    assert props["runtime"] == "custom.debian10"
    assert props["customRuntimeConfig"] == {
        "command": ["/var/fc/lang/python3.10/bin/python3.10"], "args": ["-m", "adapters.aliyun_fc"], "port": 9000}
    assert props["environmentVariables"]["PYTHONPATH"] == "/code:/code/python"
    [trigger] = props["triggers"]
    assert trigger["triggerType"] == "http" and trigger["triggerConfig"]["authType"] == "anonymous"
    assert {"GET", "POST", "OPTIONS"} <= set(trigger["triggerConfig"]["methods"])
    assert props["timeout"] >= 300 and props["instanceConcurrency"] > 1


def test_keys_come_from_the_deployers_environment_never_from_the_file():
    env = gateway_resource({"GEMINI_API_KEY": "AIza-from-env", "AUTH_TOKEN": "tok"})["props"]["environmentVariables"]
    assert (env["GEMINI_API_KEY"], env["AUTH_TOKEN"]) == ("AIza-from-env", "tok")
    assert gateway_resource({})["props"]["environmentVariables"]["GEMINI_API_KEY"] == ""


def test_dependencies_are_fetched_for_fcs_platform_without_docker():
    [action] = gateway_resource()["actions"]["pre-deploy"]
    assert re.search(r"--target \./python .*--platform manylinux2014_x86_64 .*--python-version 3\.10 .*--only-binary=:all:", action["run"])


def test_the_code_package_holds_the_runtime_code_only():
    files = package_files()
    assert {"core/chat.py", "adapters/app.py", "adapters/aliyun_fc.py", "requirements.txt", "requirements-fc.txt"} <= set(files)
    assert not [f for f in files if f.startswith(("tests/", "docs/", "node_modules/", "adapters/netlify/", ".git/", "build/"))]


def test_the_entry_listens_where_fc_forwards(monkeypatch):
    calls = []
    monkeypatch.setattr(aliyun_fc.uvicorn, "run", lambda app, **options: calls.append(options))
    aliyun_fc.main()
    monkeypatch.setenv("FC_SERVER_PORT", "9100")
    aliyun_fc.main()
    assert [(c["host"], c["port"]) for c in calls] == [("0.0.0.0", 9000), ("0.0.0.0", 9100)]
