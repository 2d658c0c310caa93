"""Alibaba Cloud FC on Debian 10: s.debian10.yaml's exact command with Python 3.10 (see target_fc.py)."""

from __future__ import annotations

from . import target_fc

NAME = "aliyun-fc-3.10"


def start(fake_url: str):
    return target_fc.start(fake_url, file="s.debian10.yaml", name=NAME)
