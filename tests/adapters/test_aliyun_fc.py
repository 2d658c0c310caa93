"""s.yaml and s.debian10.yaml for Alibaba Cloud FC 3.0: valid fc3 props, a region Gemini serves, a lean code package.

The runtime itself is proven by the behaviour suite (tests/platforms/target_fc.py and
target_fc310.py), which starts each file's exact command with its Python (3.12, 3.10) on port 9000.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from adapters import aliyun_fc
from tests.platforms.fc import FILES, gateway_resource, package_files

HERE = Path(__file__).resolve().parent


def fc3_schema() -> dict:
    """The team's shared copy of the fc3 props schema if this checkout sits near it, else ours."""
    for ancestor in HERE.parents:
        shared = ancestor / "shared" / "schemas" / "fc3-props.schema.json"
        if shared.is_file():
            return json.loads(shared.read_text())
    return json.loads((HERE / "fc3" / "fc3-props.schema.json").read_text())


# (file, its Python version, its runtime)
VARIANTS = [("s.yaml", "3.12", "custom.debian11"), ("s.debian10.yaml", "3.10", "custom.debian10")]
files = pytest.mark.parametrize("file, version, runtime", VARIANTS, ids=[v[0] for v in VARIANTS])


def test_every_variant_is_tested():
    assert {(file, version) for file, version, _ in VARIANTS} == {(file, version) for version, file in FILES.items()}


@files
def test_props_validate_against_the_fc3_schema(file, version, runtime):
    schema = fc3_schema()
    props = gateway_resource({"GEMINI_API_KEY": "", "AUTH_TOKEN": ""}, file)["props"]
    jsonschema.validators.validator_for(schema)(schema).validate(props)


@files
def test_the_function_is_a_streaming_custom_runtime_in_a_region_gemini_serves(file, version, runtime):
    resource = gateway_resource(file=file)
    props = resource["props"]
    assert resource["component"] == "fc3"
    assert not props["region"].startswith("cn-"), "Gemini serves neither mainland China nor Hong Kong"
    assert props["runtime"] == runtime
    assert props["customRuntimeConfig"] == {
        "command": [f"/var/fc/lang/python{version}/bin/python{version}"], "args": ["-m", "adapters.aliyun_fc"], "port": 9000}
    assert props["environmentVariables"]["PYTHONPATH"] == "/code:/code/python"
    [trigger] = props["triggers"]
    assert trigger["triggerType"] == "http" and trigger["triggerConfig"]["authType"] == "anonymous"
    assert {"GET", "POST", "OPTIONS"} <= set(trigger["triggerConfig"]["methods"])
    assert props["timeout"] >= 300 and props["instanceConcurrency"] > 1


@files
def test_keys_come_from_the_deployers_environment_never_from_the_file(file, version, runtime):
    env = gateway_resource({"GEMINI_API_KEY": "AIza-from-env", "AUTH_TOKEN": "tok"}, file)["props"]["environmentVariables"]
    assert (env["GEMINI_API_KEY"], env["AUTH_TOKEN"]) == ("AIza-from-env", "tok")
    assert gateway_resource({}, file)["props"]["environmentVariables"]["GEMINI_API_KEY"] == ""


@files
def test_dependencies_are_fetched_for_fcs_platform_without_docker(file, version, runtime):
    [action] = gateway_resource(file=file)["actions"]["pre-deploy"]
    wanted = rf"--target \./python .*--platform manylinux2014_x86_64 .*--python-version {re.escape(version)} .*--only-binary=:all:"
    assert re.search(wanted, action["run"])


def test_the_two_files_differ_only_in_debian_and_python():
    """s.debian10.yaml is s.yaml on the older runtime: nothing else may drift between them."""
    new, old = (gateway_resource(file=file) for file, _, _ in VARIANTS)
    old["props"].update(runtime=new["props"]["runtime"], customRuntimeConfig=new["props"]["customRuntimeConfig"])
    old["actions"]["pre-deploy"][0]["run"] = old["actions"]["pre-deploy"][0]["run"].replace("3.10", "3.12")
    assert old == new


LOCAL_STATE = (".venv/", ".netlify/", ".vercel/", ".pytest_cache/", ".hypothesis/", ".aws-sam/", "build/", "node_modules/")


@files
def test_the_code_package_holds_the_runtime_code_only(file, version, runtime, tmp_path, monkeypatch):
    files = package_files(file)
    assert {"core/chat.py", "adapters/app.py", "adapters/aliyun_fc.py", "requirements.txt", "requirements-fc.txt"} <= set(files)
    assert not [f for f in files if f.startswith(("tests/", "docs/", "adapters/netlify/", "adapters/deno/", "adapters/bun/",
                                                 "adapters/cloudflare/", ".git/", *LOCAL_STATE))]


def test_fcignore_keeps_local_state_out_even_where_none_is_yet():
    """A developer's virtualenv, the CLIs' state and the test tools' caches never ship, present or not."""
    import pathspec

    ignore = pathspec.GitIgnoreSpec.from_lines((HERE.parents[1] / ".fcignore").read_text().splitlines())
    for folder in LOCAL_STATE:
        assert ignore.match_file(f"{folder}anything.py"), folder


def test_the_entry_listens_where_fc_forwards(monkeypatch):
    calls = []
    monkeypatch.setattr(aliyun_fc.uvicorn, "run", lambda app, **options: calls.append(options))
    aliyun_fc.main()
    monkeypatch.setenv("FC_SERVER_PORT", "9100")
    aliyun_fc.main()
    assert [(c["host"], c["port"]) for c in calls] == [("0.0.0.0", 9000), ("0.0.0.0", 9100)]
