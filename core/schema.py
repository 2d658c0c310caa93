"""JSON Schemas from OpenAI requests (tool `parameters`, `response_format.json_schema`) made acceptable to Gemini.

Two targets:

* `to_gemini_json_schema` → `parametersJsonSchema` / `responseJsonSchema` (Gemini 2.5+). Gemini takes a
  JSON Schema subset: "$id $defs $ref $anchor type format title description enum items prefixItems
  minItems maxItems minimum maximum anyOf oneOf properties additionalProperties required
  propertyOrdering"; "if $ref is set on a sub-schema, no other properties, except for those
  starting as a $, may be set" (GenerationConfig.responseJsonSchema in the API reference).
* `to_gemini_openapi_schema` → `parameters` / `responseSchema` (older models): the OpenAPI 3.0 subset
  of Gemini's `Schema` message — no `$ref`, no type lists, `nullable` instead of `null`, string enums.

Each dialect is a table of keyword rules; a rule reads one keyword and writes what it keeps into the
node being built. Both build new objects and never touch their input. Malformed keywords inside a
schema are dropped rather than rejected: the model still sees every name and description.

Bounded: a schema nested deeper than `_MAX_DEPTH` is a 400. Inlining `$ref`s can multiply a schema
(eight definitions each naming the next eight times make 8**8 copies), so each inlined definition is
built once per set of enclosing definitions and then shared (the result is to be read, not changed),
and a schema that would grow more than `_MAX_GROWTH`-fold is a 400 naming the parameter. The work
stays linear in the size of the input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .errors import InvalidRequestError

__all__ = ["to_gemini_json_schema", "to_gemini_openapi_schema"]

_MAX_DEPTH = 64
# How much inlining its `$refs` may add to a schema: this many times its size as sent, or
# `_MIN_INLINED`, whichever is more. Sizes are about the bytes of JSON, plus `_OBJECT_WEIGHT` per
# object for the work of building it. Real Pydantic / Zod schemas grow a few times when inlined, and
# Gemini itself refuses big ones: "too many states for serving" (googleapis/python-genai#660).
_MAX_GROWTH = 16
_MIN_INLINED = 32 * 1024
_OBJECT_WEIGHT = 32

_JSON_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
# Plain-valued fields of Gemini's `Schema` message (googleapis/python-genai types.Schema).
_OPENAPI_STRINGS = ("title", "description", "pattern", "format")
_OPENAPI_NUMBERS = ("minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength", "minimum", "maximum")
_OPENAPI_VALUES = ("default", "example")
# The Gemini API accepts only these `format` values per type; anything else is a 400.
_OPENAPI_FORMATS = {"string": {"enum", "date-time"}, "number": {"float", "double"}, "integer": {"int32", "int64"}}


def to_gemini_json_schema(schema: Any, param: str) -> dict[str, Any]:
    """A copy of `schema` keeping only what Gemini's JSON Schema fields accept."""
    return _JsonWalk(param).clean(_require_object(schema, param), 0)


def to_gemini_openapi_schema(schema: Any, param: str) -> dict[str, Any]:
    """A copy of `schema` rewritten into Gemini's OpenAPI `Schema` subset, with `$ref`s inlined."""
    return _OpenApiWalk(param, _require_object(schema, param)).clean(schema, 0)


# A rule: (walk, node being built, keyword, its value, depth of its sub-schemas) -> whether the keyword
# admits null (the OpenAPI dialect spells that `nullable`; JSON Schema rules return None).
_Rule = Callable[["_Walk", dict[str, Any], str, Any, int], Any]


class _Walk:
    """One conversion: the parameter a 400 names, and what the conversion has cost so far."""

    def __init__(self, param: str) -> None:
        self.param = param
        self.work = 0  # entries read or merged: proportional to the time taken (the tests bound it)
        self.deepest = -1

    def clean(self, node: Any, depth: int) -> dict[str, Any]:
        raise NotImplementedError

    def enter(self, node: dict[str, Any], depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise _too_deep(self.param)
        self.deepest = max(self.deepest, depth)
        self.work += 1 + len(node)

    def keywords(self, node: dict[str, Any], depth: int, rules: dict[str, _Rule]) -> tuple[dict[str, Any], bool]:
        """The node built by applying each keyword's rule in order, and whether any keyword admits null."""
        out: dict[str, Any] = {}
        nullable = False
        for key, value in node.items():
            rule = rules.get(key)
            if rule is None:
                continue
            if isinstance(value, (dict, list)):
                self.work += len(value)
            if rule(self, out, key, value, depth + 1):
                nullable = True
        return out, nullable

    def schemas(self, value: dict[str, Any], depth: int) -> dict[str, Any]:
        return {name: self.clean(sub, depth) for name, sub in value.items()}


class _JsonWalk(_Walk):
    def clean(self, node: Any, depth: int) -> dict[str, Any]:
        if not isinstance(node, dict):
            return {}  # `true` / malformed sub-schemas: accept anything
        self.enter(node, depth)
        if isinstance(node.get("$ref"), str):
            return self._ref(node, depth + 1)
        out, _ = self.keywords(node, depth, _JSON_RULES)
        return _wrap_ref(_tidy_object(out))

    def _ref(self, node: dict[str, Any], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in node.items() if k in ("$id", "$anchor") and isinstance(v, str)}
        out["$ref"] = node["$ref"].replace("#/definitions/", "#/$defs/", 1)
        for key in ("definitions", "$defs"):
            defs = self.schemas(node[key], depth) if isinstance(node.get(key), dict) else None
            if defs:
                out["$defs"] = {**out.get("$defs", {}), **defs}
        out.update((k, node[k]) for k in ("description", "title") if isinstance(node.get(k), str))
        return _wrap_ref(out)


class _OpenApiWalk(_Walk):
    def __init__(self, param: str, root: dict[str, Any]) -> None:
        super().__init__(param)
        self.defs = {f"#/{key}/{name}": sub for key in ("definitions", "$defs") if isinstance(root.get(key), dict)
                     for name, sub in root[key].items()}
        self.root = root
        self.weights: dict[str, int] = {}
        self.size = 0  # what inlining has added so far
        self.limit = 0  # set once `size` passes `_MIN_INLINED`: weighing the input costs a pass over it
        self.seen: set[str] = set()  # the definitions being inlined around the current node
        self.built: dict[tuple[str, frozenset[str]], tuple[dict[str, Any], int, int]] = {}

    def clean(self, node: Any, depth: int) -> dict[str, Any]:
        if not isinstance(node, dict):
            return {}
        self.enter(node, depth)
        if isinstance(node.get("$ref"), str):
            return _with_annotations(self._inline(node["$ref"], depth + 1), node)
        out, nullable = self.keywords(node, depth, _OPENAPI_RULES)
        return _openapi_finish(out, nullable)

    def _inline(self, ref: str, depth: int) -> dict[str, Any]:
        """Definition `ref` cleaned at `depth`: built once per set of enclosing definitions, then shared."""
        if ref in self.seen or ref not in self.defs:
            # A recursive type cannot be inlined; an object of unknown shape is the honest rest.
            return {"type": "object"}
        key = (ref, frozenset(self.seen))
        self.work += 1 + len(self.seen)
        if key not in self.built:
            self.built[key] = self._build(ref, depth)
            return self.built[key][0]
        schema, size, height = self.built[key]
        if depth + height > _MAX_DEPTH:
            raise _too_deep(self.param)
        self.deepest = max(self.deepest, depth + height)
        self._grow(size)
        return schema

    def _build(self, ref: str, depth: int) -> tuple[dict[str, Any], int, int]:
        """Definition `ref` cleaned at `depth`, with the size it added and its height below `depth`."""
        size, deepest = self.size, self.deepest
        if ref not in self.weights:
            self.weights[ref] = _weight(self.defs[ref])
        self._grow(self.weights[ref])
        self.deepest = depth - 1
        self.seen.add(ref)
        schema = self.clean(self.defs[ref], depth)
        self.seen.discard(ref)
        built = (schema, self.size - size, self.deepest - depth)
        self.deepest = max(deepest, self.deepest)
        return built

    def _grow(self, size: int) -> None:
        self.size += size
        if self.size > _MIN_INLINED and not self.limit:
            self.limit = max(_MIN_INLINED, _MAX_GROWTH * _weight(self.root))
        if self.limit and self.size > self.limit:
            raise _too_big(self.param, self.limit)


# Values.

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


# Rules of both dialects.

def _keep_string(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, str):
        out[key] = value


def _keep_number(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if _is_number(value):
        out[key] = value


def _keep_strings(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, list):
        out[key] = [v for v in value if isinstance(v, str)]


def _all_of(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, list):
        _merge_all(walk, out, [walk.clean(sub, depth) for sub in value])


# Rules of the JSON Schema dialect.

def _json_keep_type(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    types = _json_type(value)
    if types is not None:
        out[key] = types


def _json_enum(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    values = [v for v in value if _is_scalar(v)] if isinstance(value, list) else []
    if values:
        out[key] = values


def _json_const(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if _is_scalar(value):
        out.setdefault("enum", [value])


def _json_definitions(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, dict):
        out.setdefault("$defs", {}).update(walk.schemas(value, depth))


def _json_schema_map(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, dict):
        cleaned = walk.schemas(value, depth)
        out[key] = {**out[key], **cleaned} if isinstance(out.get(key), dict) else cleaned


def _json_schema_list(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, list):
        out[key] = [walk.clean(sub, depth) for sub in value]


def _json_items(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, (dict, bool)):
        out[key] = walk.clean(value, depth)


def _json_additional_properties(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, (dict, bool)):
        out[key] = value if isinstance(value, bool) else walk.clean(value, depth)


# A `$ref` that reaches the table is not a string, and is dropped like any keyword missing from it.
_JSON_RULES: dict[str, _Rule] = {
    "const": _json_const, "definitions": _json_definitions, "allOf": _all_of,
    "$defs": _json_schema_map, "properties": _json_schema_map,
    "anyOf": _json_schema_list, "oneOf": _json_schema_list, "prefixItems": _json_schema_list,
    "items": _json_items, "additionalProperties": _json_additional_properties,
    "type": _json_keep_type, "enum": _json_enum,
    "required": _keep_strings, "propertyOrdering": _keep_strings,
    **dict.fromkeys(("minItems", "maxItems", "minimum", "maximum"), _keep_number),
    **dict.fromkeys(("$id", "$anchor", "format", "title", "description"), _keep_string),
}


# Rules of the OpenAPI dialect.

def _openapi_variants(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> bool:
    """`anyOf` / `oneOf`: a null variant makes the node nullable, and a lone variant left is folded in."""
    if not isinstance(value, list):
        return False
    variants = [walk.clean(sub, depth) for sub in value]
    kept = [v for v in variants if v.get("type") != "null"]
    if len(kept) == 1:
        _merge_all(walk, out, kept)
    elif kept:
        out["anyOf"] = kept
    return len(kept) < len(variants)


def _openapi_type(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> bool:
    """A type list becomes one type or an `anyOf` of types, with "null" spelled `nullable`."""
    types = _json_type(value)
    if not isinstance(types, list):
        if types is not None:
            out["type"] = types
        return False
    kept = [t for t in types if t != "null"]
    if len(kept) == 1:
        out["type"] = kept[0]
    elif kept:
        out["anyOf"] = [{"type": t} for t in kept]
    return len(kept) < len(types)


def _openapi_const(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, (str, int, float)):
        out["enum"] = [_enum_str(value)]


def _openapi_enum(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> bool:
    if not isinstance(value, list):
        return False
    values = [_enum_str(v) for v in value if isinstance(v, (str, int, float))]
    if values:
        out["enum"] = values
    return None in value


def _openapi_properties(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, dict):
        out[key] = walk.schemas(value, depth)


def _openapi_items(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    if isinstance(value, dict):
        out[key] = walk.clean(value, depth)


def _openapi_nullable(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> bool:
    return value is True


def _openapi_value(walk: _Walk, out: dict[str, Any], key: str, value: Any, depth: int) -> None:
    out[key] = value


_OPENAPI_RULES: dict[str, _Rule] = {
    "anyOf": _openapi_variants, "oneOf": _openapi_variants, "allOf": _all_of,
    "type": _openapi_type, "const": _openapi_const, "enum": _openapi_enum,
    "properties": _openapi_properties, "items": _openapi_items,
    "required": _keep_strings, "propertyOrdering": _keep_strings, "nullable": _openapi_nullable,
    **dict.fromkeys(_OPENAPI_STRINGS, _keep_string),
    **dict.fromkeys(_OPENAPI_NUMBERS, _keep_number),
    **dict.fromkeys(_OPENAPI_VALUES, _openapi_value),
}


def _openapi_finish(out: dict[str, Any], nullable: bool) -> dict[str, Any]:
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


def _merge_all(walk: _Walk, out: dict[str, Any], members: list[dict[str, Any]]) -> None:
    """Fold `allOf` members (or a lone `anyOf` variant) into `out`, in one pass so that a long list costs
    what it weighs: the first value of a keyword wins, and `properties` and `required` are unions."""
    maps = [out["properties"]] if isinstance(out.get("properties"), dict) else []
    lists = [out["required"]] if isinstance(out.get("required"), list) else []
    for member in members:
        walk.work += len(member)
        for key, value in member.items():
            if key == "properties":
                maps.append(value)
            elif key == "required":
                lists.append(value)
            out.setdefault(key, value)
    if len(maps) > 1:
        walk.work += sum(map(len, maps))
        out["properties"] = _layered(maps)
    if len(lists) > 1:
        walk.work += sum(map(len, lists))
        out["required"] = _union(lists)


def _layered(maps: list[dict[str, Any]]) -> dict[str, Any]:
    """The maps merged as if each later one were laid under the result so far: the earliest value of
    a name wins, and a later map's names come first (what folding `{**later, **merged}` gives)."""
    values: dict[str, Any] = {}
    for properties in maps:
        for name, value in properties.items():
            values.setdefault(name, value)
    return {name: values[name] for properties in reversed(maps) for name in properties}


def _union(lists: list[list[str]]) -> list[str]:
    """The first list, then each later list's names not already listed."""
    merged, names = list(lists[0]), set(lists[0])
    for more in lists[1:]:
        new = [name for name in more if name not in names]
        merged += new
        names.update(new)
    return merged


def _with_annotations(schema: dict[str, Any], ref_node: dict[str, Any]) -> dict[str, Any]:
    extra = {k: ref_node[k] for k in ("description", "title") if isinstance(ref_node.get(k), str)}
    return {**schema, **extra} if extra else schema


def _weight(value: Any) -> int:
    """About how many bytes `value` takes as JSON, plus `_OBJECT_WEIGHT` per object (without recursion)."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            total += _OBJECT_WEIGHT + 4 * len(item) + sum(map(len, item))
            stack.extend(item.values())
        elif isinstance(item, list):
            total += 2 + len(item)
            stack.extend(item)
        else:
            total += len(item) + 2 if isinstance(item, str) else 5
    return total


def _require_object(schema: Any, param: str) -> dict[str, Any]:
    if not isinstance(schema, dict):
        raise InvalidRequestError(f"'{param}' must be a JSON Schema object.", param=param)
    return schema


def _too_deep(param: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"'{param}' is nested more than {_MAX_DEPTH} levels deep; "
        "flatten the schema: fewer nested objects and arrays, fewer $refs inside definitions.",
        param=param,
    )


def _too_big(param: str, limit: int) -> InvalidRequestError:
    return InvalidRequestError(
        f"'{param}' grows past {limit // 1024} KB when its $refs are inlined, which this model needs "
        "(each $ref becomes a full copy of its definition); refer to shared definitions less often, "
        "or use a model that accepts $ref (Gemini 2.5 or later).",
        param=param,
    )
