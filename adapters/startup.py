"""What a platform entry does while its modules load: `with ModulesLoading(): import ...`.

Garbage collection is off meanwhile: the imports make no garbage, but each collection walks
everything they have made so far (31 collections during the Lambda handler's import). What they
made stays for good, so it is frozen out of later collections too: a full collection then walks
none of its 18,500 objects instead of taking 4.4 ms in the middle of some request (measured
2026-12-01, bench/RESULTS.md).
"""

from __future__ import annotations

import gc
from typing import Any

__all__ = ["ModulesLoading"]


class ModulesLoading:
    def __enter__(self) -> None:
        gc.disable()

    def __exit__(self, *exc_info: Any) -> None:
        gc.freeze()
        gc.enable()
