"""What one process — a serverless instance — keeps from one request to the next.

The settings (read once), the key pool (which keys rest, and until when) and what Gemini's own
answers have taught about its models. A shell makes one `Instance` and hands it to every `Call`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .config import Settings, settings_from_env
from .keys import KeyPool
from .scrub import Scrubber

if TYPE_CHECKING:
    from .fitting import Fits

__all__ = ["Instance"]


class Instance:
    """Settings, key pool and learnt model fits for one process; `platform` names the shell (for the
    landing page), `encoders` the audio formats it can encode (speech in any other is refused up front)."""

    def __init__(self, settings: Settings, *, platform: str = "", encoders: frozenset[str] = frozenset({"mp3"})) -> None:
        self.settings = settings
        self.secrets = settings.api_keys + settings.auth_tokens  # what no log line may show
        self.scrubber = Scrubber(settings.api_keys)  # each call copies it, adding the keys its client sent
        self.pool = KeyPool(settings.key_cooldown)
        self._fits: Fits | None = None
        self.platform = platform
        self.encoders = encoders

    @property
    def fits(self) -> Fits:
        """What Gemini's 400s taught this instance (core/fitting.py), made with the first request that sends one."""
        if self._fits is None:
            from .fitting import Fits

            self._fits = Fits()
        return self._fits

    @fits.setter
    def fits(self, fits: Fits) -> None:
        self._fits = fits

    @property
    def learnt(self) -> Fits | None:
        """The fits, once Gemini has taught one (None before: reading it imports nothing, makes nothing)."""
        return self._fits

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, platform: str = "", encoders: frozenset[str] = frozenset({"mp3"})) -> Instance:
        """The instance for a process environment; raises `ConfigError` naming a bad variable."""
        return cls(settings_from_env(env), platform=platform, encoders=encoders)
