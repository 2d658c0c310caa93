"""Which platform the landing page names (adapters/platforms.py), from each platform's own variables."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from adapters.app import Gateway
from adapters.platforms import platform_from_env
from core.config import Settings

from .test_app import call

BROWSER = [("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")]


@pytest.mark.parametrize("env, platform", [
    ({}, "local"),
    ({"VERCEL": "1", "VERCEL_ENV": "production", "VERCEL_REGION": "iad1"}, "vercel"),
    ({"AWS_LAMBDA_FUNCTION_NAME": "gemini-gateway", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}, "lambda"),
    ({"FC_FUNCTION_NAME": "gemini-gateway", "FC_REGION": "ap-southeast-1"}, "fc"),
    ({"VERCEL": ""}, "local"),  # set but empty is not set
    ({"HOME": "/root", "PORT": "8080"}, "local"),
])
def test_each_platform_is_known_by_the_variable_it_sets(env, platform):
    assert platform_from_env(env) == platform


def page_config(app) -> dict:
    _, headers, body = asyncio.run(call(app, "GET", "/", headers=BROWSER))
    assert headers["content-type"] == "text/html; charset=utf-8"
    return json.loads(re.search(rb'id="config">(.*?)</script>', body).group(1))


def test_the_app_names_the_platform_its_environment_shows():
    assert page_config(Gateway(env={"AWS_LAMBDA_FUNCTION_NAME": "gw"}))["platform"] == "lambda"
    assert page_config(Gateway(env={}))["platform"] == "local"
    assert page_config(Gateway(Settings(), platform="netlify"))["platform"] == "netlify"  # a shell that knows says so
