"""Typed reads of request fields: each returns the value or `None`, or raises a 400 naming the field.

JSON `null` counts as "not given", as the OpenAI API treats it. Booleans are never numbers here
(`True` is an `int` in Python), and non-finite floats (`NaN`, `Infinity`) are rejected.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal, overload

from .errors import InvalidRequestError

__all__ = [
    "get_bool",
    "get_dict",
    "get_int",
    "get_list",
    "get_number",
    "get_str",
    "join_param",
    "require_dict",
]

_INT32_MAX = 2**31 - 1


def join_param(prefix: str, key: str | int) -> str:
    """`join_param("messages", 0)` → `"messages[0]"`; `join_param("messages[0]", "role")` → `"messages[0].role"`."""
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def require_dict(value: Any, param: str) -> dict[str, Any]:
    """`value` itself, which must be a JSON object."""
    if not isinstance(value, dict):
        raise InvalidRequestError(f"'{param}' must be an object, got {_json_type(value)}.", param=param)
    return value


@overload
def get_str(obj: Mapping[str, Any], key: str, prefix: str = "", *, required: Literal[True]) -> str: ...
@overload
def get_str(obj: Mapping[str, Any], key: str, prefix: str = "", *, required: bool = False) -> str | None: ...
def get_str(obj: Mapping[str, Any], key: str, prefix: str = "", *, required: bool = False) -> str | None:
    """A string field; `required=True` makes a missing one a 400 (and the result never None)."""
    value = _get(obj, key, prefix, required)
    if value is None or isinstance(value, str):
        return value
    raise _wrong_type(prefix, key, "a string", value)


def get_bool(obj: Mapping[str, Any], key: str, prefix: str = "") -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise _wrong_type(prefix, key, "a boolean", value)


def get_int(
    obj: Mapping[str, Any],
    key: str,
    prefix: str = "",
    *,
    minimum: int | None = None,
    maximum: int | None = _INT32_MAX,
) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    # 2.0 is accepted as 2: JSON has one number type and some clients send integral floats.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(prefix, key, "an integer", value)
    _check_range(prefix, key, value, minimum, maximum)
    return value


def get_number(
    obj: Mapping[str, Any],
    key: str,
    prefix: str = "",
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float | int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong_type(prefix, key, "a number", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise _wrong_type(prefix, key, "a finite number", value)
    _check_range(prefix, key, value, minimum, maximum)
    return value


@overload
def get_list(obj: Mapping[str, Any], key: str, prefix: str = "", *, required: Literal[True]) -> list[Any]: ...
@overload
def get_list(obj: Mapping[str, Any], key: str, prefix: str = "", *, required: bool = False) -> list[Any] | None: ...
def get_list(obj: Mapping[str, Any], key: str, prefix: str = "", *, required: bool = False) -> list[Any] | None:
    """An array field; `required=True` makes a missing one a 400 (and the result never None)."""
    value = _get(obj, key, prefix, required)
    if value is None or isinstance(value, list):
        return value
    raise _wrong_type(prefix, key, "an array", value)


def get_dict(obj: Mapping[str, Any], key: str, prefix: str = "") -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise _wrong_type(prefix, key, "an object", value)


def _get(obj: Mapping[str, Any], key: str, prefix: str, required: bool) -> Any:
    value = obj.get(key)
    if value is None and required:
        param = join_param(prefix, key)
        raise InvalidRequestError(f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")
    return value


def _check_range(prefix: str, key: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        param = join_param(prefix, key)
        bounds = f"between {minimum} and {maximum}" if minimum is not None and maximum is not None else (
            f"at least {minimum}" if minimum is not None else f"at most {maximum}"
        )
        raise InvalidRequestError(f"'{param}' must be {bounds}, got {value}.", param=param, code="invalid_value")


def _wrong_type(prefix: str, key: str, expected: str, value: Any) -> InvalidRequestError:
    param = join_param(prefix, key)
    return InvalidRequestError(f"'{param}' must be {expected}, got {_json_type(value)}.", param=param, code="invalid_type")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number" if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
