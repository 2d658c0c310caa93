"""JSON Schemas from OpenAI requests (tool `parameters`, `response_format.json_schema`) made acceptable to Gemini.

Two targets:

* `to_gemini_json_schema` → `parametersJsonSchema` / `responseJsonSchema` (Gemini 2.5+). Gemini takes a
  JSON Schema subset: "$id $defs $ref $anchor type format title description enum items prefixItems
  minItems maxItems minimum maximum anyOf oneOf properties additionalProperties required
  propertyOrdering"; "if $ref is set on a sub-schema, no other properties, except for those
  starting as a $, may be set" (GenerationConfig.responseJsonSchema in the API reference).
* `to_gemini_openapi_schema` → `parameters` / `responseSchema` (older models): the OpenAPI 3.0 subset
  of Gemini's `Schema` message — no `$ref`, no type lists, `nullable` instead of `null`, string enums.

Both build new objects and never touch their input. Malformed keywords inside a schema are dropped
rather than rejected: the model still sees every name and description.
"""

from __future__ import annotations

from typing import Any

from .errors import InvalidRequestError

__all__ = ["to_gemini_json_schema", "to_gemini_openapi_schema"]

_MAX_DEPTH = 64

_JSON_KEYWORDS = frozenset({
    "$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum", "items",
    "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf", "properties",
    "additionalProperties", "required", "propertyOrdering",
})
# Plain-valued fields of Gemini's `Schema` message (googleapis/python-genai types.Schema); the
# structural ones (type, enum, properties, items, anyOf, nullable, required) are handled one by one.
_OPENAPI_STRINGS = frozenset({"title", "description", "pattern", "format"})
_OPENAPI_NUMBERS = frozenset({
    "minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength", "minimum", "maximum",
})
_OPENAPI_VALUES = frozenset({"default", "example"})
_JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
# The Gemini API accepts only these `format` values per type; anything else is a 400.
_OPENAPI_FORMATS = {"string": {"enum", "date-time"}, "number": {"float", "double"}, "integer": {"int32", "int64"}}
_SCHEMA_LISTS = ("anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "$defs")


def to_gemini_json_schema(schema: Any, param: str) -> dict[str, Any]:
    """A copy of `schema` keeping only what Gemini's JSON Schema fields accept."""
    if not isinstance(schema, dict):
        raise InvalidRequestError(f"'{param}' must be a JSON Schema object.", param=param)
    return _JsonCleaner(param).clean(schema, 0)


def to_gemini_openapi_schema(schema: Any, param: str) -> dict[str, Any]:
    """A copy of `schema` rewritten into Gemini's OpenAPI `Schema` subset, with `$ref`s inlined."""
    if not isinstance(schema, dict):
        raise InvalidRequestError(f"'{param}' must be a JSON Schema object.", param=param)
    defs = {}
    for key in ("definitions", "$defs"):
        if isinstance(schema.get(key), dict):
            defs.update({f"#/{key}/{name}": sub for name, sub in schema[key].items()})
    return _OpenApiCleaner(param, defs).clean(schema, 0, frozenset())


class _JsonCleaner:
    def __init__(self, param: str) -> None:
        self.param = param

    def clean(self, node: Any, depth: int) -> dict[str, Any]:
        if not isinstance(node, dict):
            return {}  # `true` / malformed sub-schemas: accept anything
        if depth > _MAX_DEPTH:
            raise _too_deep(self.param)
        if isinstance(node.get("$ref"), str):
            return self._ref(node, depth)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "const" and _is_scalar(value):
                out.setdefault("enum", [value])
            elif key == "definitions" and isinstance(value, dict):
                out.setdefault("$defs", {}).update({k: self.clean(v, depth + 1) for k, v in value.items()})
            elif key == "allOf" and isinstance(value, list):
                for sub in value:
                    _merge_into(out, self.clean(sub, depth + 1))
            elif key in _JSON_KEYWORDS:
                cleaned = self._keyword(key, value, depth)
                if cleaned is not None:
                    if key in _SCHEMA_MAPS and isinstance(out.get(key), dict):
                        out[key] = {**out[key], **cleaned}
                    else:
                        out[key] = cleaned
        return _wrap_ref(_tidy_object(out))

    def _ref(self, node: dict[str, Any], depth: int) -> dict[str, Any]:
        out = {k: v for k, v in node.items() if k in ("$id", "$anchor") and isinstance(v, str)}
        out["$ref"] = node["$ref"].replace("#/definitions/", "#/$defs/", 1)
        for key in ("definitions", "$defs"):
            defs = self._keyword("$defs", node.get(key), depth)
            if defs:
                out["$defs"] = {**out.get("$defs", {}), **defs}
        out.update((k, node[k]) for k in ("description", "title") if isinstance(node.get(k), str))
        return _wrap_ref(out)

    def _keyword(self, key: str, value: Any, depth: int) -> Any:
        if key in _SCHEMA_MAPS:
            return {k: self.clean(v, depth + 1) for k, v in value.items()} if isinstance(value, dict) else None
        if key in _SCHEMA_LISTS:
            return [self.clean(v, depth + 1) for v in value] if isinstance(value, list) else None
        if key == "items":
            return self.clean(value, depth + 1) if isinstance(value, (dict, bool)) else None
        if key == "additionalProperties":
            if isinstance(value, bool):
                return value
            return self.clean(value, depth + 1) if isinstance(value, dict) else None
        if key == "type":
            return _json_type(value)
        if key == "enum":
            values = [v for v in value if _is_scalar(v)] if isinstance(value, list) else []
            return values or None
        if key in ("required", "propertyOrdering"):
            return [v for v in value if isinstance(v, str)] if isinstance(value, list) else None
        if key in ("minItems", "maxItems", "minimum", "maximum"):
            return value if _is_number(value) else None
        return value if isinstance(value, str) else None  # $id $anchor format title description


class _OpenApiCleaner:
    def __init__(self, param: str, defs: dict[str, Any]) -> None:
        self.param = param
        self.defs = defs

    def clean(self, node: Any, depth: int, seen: frozenset[str]) -> dict[str, Any]:
        if not isinstance(node, dict):
            return {}
        if depth > _MAX_DEPTH:
            raise _too_deep(self.param)
        if isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or ref not in self.defs:
                # A recursive type cannot be inlined; an object of unknown shape is the honest rest.
                return _with_annotations({"type": "object"}, node)
            return _with_annotations(self.clean(self.defs[ref], depth + 1, seen | {ref}), node)

        out: dict[str, Any] = {}
        nullable = False
        for key, value in node.items():
            if key in ("anyOf", "oneOf") and isinstance(value, list):
                variants = [self.clean(v, depth + 1, seen) for v in value]
                nullable |= any(v.get("type") == "null" for v in variants)
                variants = [v for v in variants if v.get("type") != "null"]
                if len(variants) == 1:
                    _merge_into(out, variants[0])
                elif variants:
                    out["anyOf"] = variants
            elif key == "allOf" and isinstance(value, list):
                for sub in value:
                    _merge_into(out, self.clean(sub, depth + 1, seen))
            elif key == "type":
                types = _json_type(value)
                if isinstance(types, list):
                    nullable |= "null" in types
                    types = [t for t in types if t != "null"]
                    if len(types) == 1:
                        out["type"] = types[0]
                    elif types:
                        out["anyOf"] = [{"type": t} for t in types]
                elif types is not None:
                    out["type"] = types
            elif key == "const" and (_is_scalar(value) or isinstance(value, bool)):
                out["enum"] = [_enum_str(value)]
            elif key == "enum" and isinstance(value, list):
                nullable |= None in value
                values = [_enum_str(v) for v in value if _is_scalar(v) or isinstance(v, bool)]
                if values:
                    out["enum"] = values
            elif key == "properties" and isinstance(value, dict):
                out["properties"] = {k: self.clean(v, depth + 1, seen) for k, v in value.items()}
            elif key == "items" and isinstance(value, dict):
                out["items"] = self.clean(value, depth + 1, seen)
            elif key in ("required", "propertyOrdering") and isinstance(value, list):
                out[key] = [v for v in value if isinstance(v, str)]
            elif key == "nullable" and isinstance(value, bool):
                nullable |= value
            elif key in _OPENAPI_STRINGS:
                if isinstance(value, str):
                    out[key] = value
            elif key in _OPENAPI_NUMBERS:
                if _is_number(value):
                    out[key] = value
            elif key in _OPENAPI_VALUES:
                out[key] = value

        if "enum" in out:
            out["type"] = "string"  # Gemini's Schema takes enums of strings only
        if "format" in out and out["format"] not in _OPENAPI_FORMATS.get(out.get("type", ""), ()):
            del out["format"]
        if out.get("type") == "null":
            return {"type": "null"}  # removed by the enclosing anyOf, or nullable there
        if nullable:
            out["nullable"] = True
        return _tidy_object(out)


def _wrap_ref(node: dict[str, Any]) -> dict[str, Any]:
    """Gemini rejects siblings of `$ref` other than `$` keywords; a one-way `anyOf` keeps them legal."""
    if "$ref" not in node or all(key.startswith("$") for key in node):
        return node
    ref_node = {k: v for k, v in node.items() if k.startswith("$") and k != "$defs"}
    rest = {k: v for k, v in node.items() if k not in ref_node}
    return {"anyOf": [ref_node], **rest}


def _tidy_object(out: dict[str, Any]) -> dict[str, Any]:
    """`required` may only name listed properties, and Gemini rejects an empty `properties` map."""
    properties = out.get("properties")
    if isinstance(properties, dict):
        if not properties:
            del out["properties"]
        if "required" in out:
            out["required"] = [name for name in out["required"] if name in properties]
    elif "required" in out:
        del out["required"]
    if out.get("required") == []:
        del out["required"]
    return out


def _merge_into(out: dict[str, Any], extra: dict[str, Any]) -> None:
    """Fold one `allOf` member (or a lone `anyOf` variant) into `out`; the first value of a keyword wins."""
    for key, value in extra.items():
        if key == "properties" and isinstance(out.get(key), dict):
            out[key] = {**value, **out[key]}
        elif key == "required" and isinstance(out.get(key), list):
            out[key] = out[key] + [name for name in value if name not in out[key]]
        else:
            out.setdefault(key, value)


def _with_annotations(schema: dict[str, Any], ref_node: dict[str, Any]) -> dict[str, Any]:
    extra = {k: ref_node[k] for k in ("description", "title") if isinstance(ref_node.get(k), str)}
    return {**schema, **extra} if extra else schema


def _json_type(value: Any) -> str | list[str] | None:
    if isinstance(value, str):
        return value if value in _JSON_TYPES else None
    if isinstance(value, list):
        types = [t for t in value if isinstance(t, str) and t in _JSON_TYPES]
        return types or None
    return None


def _enum_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _is_scalar(value: Any) -> bool:
    """A string or a number: what Gemini accepts in `enum`."""
    return isinstance(value, str) or _is_number(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _too_deep(param: str) -> InvalidRequestError:
    return InvalidRequestError(f"'{param}' is nested more than {_MAX_DEPTH} levels deep.", param=param)
