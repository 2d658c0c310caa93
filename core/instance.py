"""What one process — a serverless instance — keeps from one request to the next.

The settings (read once), the key pool (which keys rest, and until when) and what Gemini's own
answers have taught about its models. A shell makes one `Instance` and hands it to every `Call`.
"""

from __future__ import annotations

from collections.abc import Mapping

from .config import Settings, settings_from_env
from .fitting import Fits
from .keys import KeyPool

__all__ = ["Instance"]


class Instance:
    """Settings, key pool and learnt model fits for one process; `platform` names the shell (for the landing page)."""

    def __init__(self, settings: Settings, *, platform: str = "") -> None:
        self.settings = settings
        self.pool = KeyPool(settings.key_cooldown)
        self.fits = Fits()
        self.platform = platform

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, platform: str = "") -> Instance:
        """The instance for a process environment; raises `ConfigError` naming a bad variable."""
        return cls(settings_from_env(env), platform=platform)
