"""Reading s.yaml the way Serverless Devs does, and laying out the code package the way FC does.

Two files describe the same function: s.yaml (custom.debian11, Python 3.12) and s.debian10.yaml
(custom.debian10, Python 3.10, for `s deploy -t s.debian10.yaml`); every function here takes one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pathspec
import yaml

from .runtimes import CACHE, ROOT, python

# The Python version → the file that deploys on it.
FILES = {"3.12": "s.yaml", "3.10": "s.debian10.yaml"}
_VAR = re.compile(r"\$\{vars\.(\w+)\}")
_ENV = re.compile(r"""\$\{env\(\s*'(\w+)'\s*(?:,\s*'([^']*)'\s*)?\)\}""")


def resolve(value: Any, variables: dict[str, Any], env: dict[str, str]) -> Any:
    """`${vars.x}` and `${env('X', 'default')}` substituted, as `s` does before deploying."""
    if isinstance(value, dict):
        return {k: resolve(v, variables, env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, variables, env) for v in value]
    if isinstance(value, str):
        value = _VAR.sub(lambda m: str(variables[m.group(1)]), value)
        return _ENV.sub(lambda m: env.get(m.group(1), m.group(2) or ""), value)
    return value


def s_yaml(env: dict[str, str] | None = None, file: str = "s.yaml") -> dict[str, Any]:
    """s.yaml (or `file`) with its variables resolved."""
    document = yaml.safe_load((ROOT / file).read_text())
    return resolve(document, document.get("vars", {}), env or {})


def gateway_resource(env: dict[str, str] | None = None, file: str = "s.yaml") -> dict[str, Any]:
    return s_yaml(env, file)["resources"]["gateway"]


def package_files(file: str = "s.yaml") -> list[str]:
    """The files `s deploy` zips: everything under `code`, minus .fcignore (gitignore syntax)."""
    code = ROOT / gateway_resource(file=file)["props"]["code"]
    ignore = pathspec.GitIgnoreSpec.from_lines((code / ".fcignore").read_text().splitlines())
    files = []
    for path in sorted(code.rglob("*")):
        relative = path.relative_to(code).as_posix()
        if path.is_file() and not ignore.match_file(relative) and not relative.startswith("python/"):
            files.append(relative)
    return files


def lay_out_code(file: str = "s.yaml") -> Path:
    """A directory holding what FC extracts to /code: the package, plus the pre-deploy step's ./python."""
    resource = gateway_resource(file=file)
    target = CACHE / f"fc-code-{Path(file).stem}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for relative in package_files(file):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, target / relative)
    # The pre-deploy action's exact command, run where the package is (its `path: ./`). The
    # wheels are cached between runs by pip itself.
    for action in resource["actions"]["pre-deploy"]:
        subprocess.run(action["run"], shell=True, check=True, cwd=target)
    return target


def command(file: str = "s.yaml") -> list[str]:
    """customRuntimeConfig's command and args, FC's interpreter (/var/fc/lang/pythonX.Y/bin/pythonX.Y)
    replaced by this machine's Python X.Y."""
    runtime = gateway_resource(file=file)["props"]["customRuntimeConfig"]
    version = next(v for v, name in FILES.items() if name == file)
    fc_python = f"/var/fc/lang/python{version}/bin/python{version}"
    if runtime["command"][0] != fc_python:
        raise AssertionError(f"{file} runs {runtime['command'][0]}, not FC's Python {version} ({fc_python})")
    return [python(version), *runtime["command"][1:], *runtime["args"]]
