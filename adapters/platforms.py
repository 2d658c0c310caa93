"""Which platform this process runs on, from the variables each platform sets in every function's environment.

The landing page says where the gateway runs (`core.instance.Instance.platform`). Each platform
documents a variable its runtime always sets; the first one found names the platform, and a
process with none of them is a server someone runs themselves (`python -m adapters.local`,
uvicorn, a container). Netlify's function names itself (`adapters/netlify/bridge.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MARKERS", "platform_from_env"]

# (variable, platform), in the order they are checked.
MARKERS = (
    # "VERCEL: An indicator to show that System Environment Variables have been exposed to your
    # project's Deployments. Example: 1" — exposed by default
    # (https://vercel.com/docs/environment-variables/system-environment-variables).
    ("VERCEL", "vercel"),
    # A reserved variable of every Lambda runtime, the Lambda Web Adapter's included: "the name of
    # the function" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
    ("AWS_LAMBDA_FUNCTION_NAME", "lambda"),
    # Function Compute 3.0's system variables: "FC_FUNCTION_NAME: the function name"
    # (https://www.alibabacloud.com/help/en/functioncompute/fc/environment-variables).
    ("FC_FUNCTION_NAME", "fc"),
)


def platform_from_env(env: Mapping[str, str]) -> str:
    """`vercel`, `lambda`, `fc`, or `local` when no platform's variable is set."""
    for variable, platform in MARKERS:
        if env.get(variable):
            return platform
    return "local"
