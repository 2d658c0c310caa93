"""JSON Schemas cleaned for Gemini's two schema dialects."""

from __future__ import annotations

import json
import time

import pytest

from core import schema as schema_module
from core.chat import chat_request_to_gemini
from core.config import Settings
from core.errors import InvalidRequestError
from core.schema import to_gemini_json_schema, to_gemini_openapi_schema

# What a Pydantic v2 model with a nested model, an optional field, an enum and a literal produces.
PYDANTIC = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "Address": {"title": "Address", "type": "object", "additionalProperties": False,
                    "properties": {"city": {"title": "City", "type": "string", "minLength": 1}}, "required": ["city"]},
        "Color": {"title": "Color", "type": "string", "enum": ["red", "green"]},
    },
    "title": "Person",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "name": {"title": "Name", "type": "string", "pattern": "^[A-Z]", "default": "Ann", "examples": ["Bob"]},
        "home": {"$ref": "#/$defs/Address", "description": "Where they live"},
        "nick": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None, "title": "Nick"},
        "color": {"$ref": "#/$defs/Color"},
        "kind": {"const": "person", "type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 3},
        "age": {"type": "integer", "exclusiveMinimum": 0, "format": "int32"},
    },
    "required": ["name", "home", "nick", "color", "kind", "tags", "age", "ghost"],
}


def test_json_schema_dialect_keeps_what_gemini_reads_and_drops_the_rest():
    assert to_gemini_json_schema(PYDANTIC, "p") == {
        "$defs": {
            "Address": {"title": "Address", "type": "object", "additionalProperties": False,
                        "properties": {"city": {"title": "City", "type": "string"}}, "required": ["city"]},
            "Color": {"title": "Color", "type": "string", "enum": ["red", "green"]},
        },
        "title": "Person",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"title": "Name", "type": "string"},
            "home": {"anyOf": [{"$ref": "#/$defs/Address"}], "description": "Where they live"},
            "nick": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Nick"},
            "color": {"$ref": "#/$defs/Color"},
            "kind": {"enum": ["person"], "type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            "age": {"type": "integer", "format": "int32"},
        },
        "required": ["name", "home", "nick", "color", "kind", "tags", "age"],
    }


def test_openapi_dialect_inlines_refs_and_spells_null_as_nullable():
    assert to_gemini_openapi_schema(PYDANTIC, "p") == {
        "title": "Person",
        "type": "object",
        "properties": {
            "name": {"title": "Name", "type": "string", "pattern": "^[A-Z]", "default": "Ann"},
            "home": {"title": "Address", "type": "object", "properties": {"city": {"title": "City", "type": "string", "minLength": 1}},
                     "required": ["city"], "description": "Where they live"},
            "nick": {"type": "string", "default": None, "title": "Nick", "nullable": True},
            "color": {"title": "Color", "type": "string", "enum": ["red", "green"]},
            "kind": {"enum": ["person"], "type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            "age": {"type": "integer", "format": "int32"},
        },
        "required": ["name", "home", "nick", "color", "kind", "tags", "age"],
    }


def test_pydantic_v1_definitions_and_allof():
    schema = {"definitions": {"A": {"type": "object", "properties": {"x": {"type": "integer"}}}},
              "type": "object", "properties": {"a": {"allOf": [{"$ref": "#/definitions/A"}], "description": "an A"}}}
    assert to_gemini_json_schema(schema, "p") == {
        "$defs": {"A": {"type": "object", "properties": {"x": {"type": "integer"}}}},
        "type": "object", "properties": {"a": {"anyOf": [{"$ref": "#/$defs/A"}], "description": "an A"}},
    }
    assert to_gemini_openapi_schema(schema, "p") == {
        "type": "object", "properties": {"a": {"type": "object", "properties": {"x": {"type": "integer"}}, "description": "an A"}},
    }


def test_a_root_ref_keeps_its_definitions_cleaned():
    schema = {"$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}, "propertyNames": {}}},
              "$ref": "#/$defs/Node", "description": "a tree"}
    assert to_gemini_json_schema(schema, "p") == {
        "anyOf": [{"$ref": "#/$defs/Node"}],
        "$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}},
        "description": "a tree",
    }


def test_recursive_types_stop_at_the_cycle_in_the_openapi_dialect():
    schema = {"$defs": {"Node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}}}}, "$ref": "#/$defs/Node"}
    assert to_gemini_openapi_schema(schema, "p") == {"type": "object", "properties": {"child": {"type": "object"}}}


def test_type_unions_and_formats_in_the_openapi_dialect():
    schema = {"type": "object", "properties": {
        "n": {"type": ["number", "string"]},
        "when": {"type": "string", "format": "date-time"},
        "mail": {"type": "string", "format": "email"},
        "level": {"enum": [1, 2, None]},
        "empty": {"type": "object", "properties": {}},
    }}
    assert to_gemini_openapi_schema(schema, "p") == {"type": "object", "properties": {
        "n": {"anyOf": [{"type": "number"}, {"type": "string"}]},
        "when": {"type": "string", "format": "date-time"},
        "mail": {"type": "string"},
        "level": {"enum": ["1", "2"], "type": "string", "nullable": True},
        "empty": {"type": "object"},
    }}


@pytest.mark.parametrize("convert", [to_gemini_json_schema, to_gemini_openapi_schema])
def test_malformed_keywords_are_dropped_not_fatal(convert):
    schema = {"type": 7, "properties": [1], "required": "x", "items": "y", "enum": {}, "anyOf": "z", "description": 3}
    assert convert(schema, "p") == {}


@pytest.mark.parametrize("convert", [to_gemini_json_schema, to_gemini_openapi_schema])
def test_a_schema_must_be_an_object_and_not_absurdly_deep(convert):
    with pytest.raises(InvalidRequestError) as caught:
        convert(["type", "object"], "tools[0].function.parameters")
    assert caught.value.param == "tools[0].function.parameters"
    deep: dict = {"type": "string"}
    for _ in range(100):
        deep = {"type": "object", "properties": {"x": deep}}
    with pytest.raises(InvalidRequestError):
        convert(deep, "p")


def test_allof_unions_properties_and_the_first_definition_of_a_name_wins():
    schema = {"allOf": [{"properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a"]},
                        {"properties": {"b": {"type": "integer"}, "c": {"type": "integer"}}, "required": ["c", "a"]},
                        {"properties": {"d": {}}, "required": ["d"]}]}
    for convert in (to_gemini_json_schema, to_gemini_openapi_schema):
        out = convert(schema, "p")
        # Each later member's names come first: what folding `{**later, **merged}` member by member gave.
        assert list(out["properties"].items()) == [("d", {}), ("b", {"type": "string"}), ("c", {"type": "integer"}),
                                                   ("a", {"type": "string"})]
        assert out["required"] == ["a", "c", "d"]


def test_refs_cycling_through_two_definitions_stop_where_the_cycle_closes():
    schema = {"$defs": {"A": {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}},
                        "B": {"type": "array", "items": {"$ref": "#/$defs/A"}},
                        "Self": {"$ref": "#/$defs/Self"}},
              "type": "object", "properties": {"a": {"$ref": "#/$defs/A"}, "s": {"$ref": "#/$defs/Self", "description": "me"},
                                                "root": {"$ref": "#"}}}
    assert to_gemini_openapi_schema(schema, "p") == {"type": "object", "properties": {
        "a": {"type": "object", "properties": {"b": {"type": "array", "items": {"type": "object"}}}},
        "s": {"type": "object", "description": "me"},
        "root": {"type": "object"},
    }}
    assert to_gemini_json_schema(schema, "p")["properties"]["a"] == {"$ref": "#/$defs/A"}  # Gemini resolves these itself


# --- bounds ------------------------------------------------------------------------------------


def nest(node: dict, levels: int) -> dict:
    for _ in range(levels):
        node = {"type": "object", "properties": {"x": node}}
    return node


def chain(levels: int, fan: int, *, cyclic: bool = False, via: str = "properties") -> dict:
    """Definition i names definition i+1 `fan` times: inlined, fan**levels copies of the last one."""
    defs = {}
    for i in range(levels):
        last = i + 1 == levels
        target = {"$ref": "#/$defs/D0"} if last and cyclic else {"type": "string"} if last else {"$ref": f"#/$defs/D{i + 1}"}
        shapes = {"properties": {"type": "object", "properties": {f"p{j}": dict(target) for j in range(fan)}},
                  "allOf": {"allOf": [dict(target) for _ in range(fan)], "properties": {f"q{i}": {"type": "string"}}},
                  "anyOf": {"anyOf": [dict(target) for _ in range(fan)]},
                  "items": {"type": "array", "prefixItems": [], "items": {"anyOf": [dict(target) for _ in range(fan)]}}}
        defs[f"D{i}"] = shapes[via]
    return {"$defs": defs, "$ref": "#/$defs/D0"}


def ladder(levels: int, width: int, *, cyclic: bool = False) -> dict:
    """Every definition of a level names every one of the next: width**levels distinct paths, so that
    sharing by (definition, enclosing definitions) saves nothing."""
    def target(i: int, x: int) -> dict:
        return {"$ref": f"#/$defs/L{i + 1}_{x}"} if i + 1 < levels else {"$ref": f"#/$defs/L0_{x}"} if cyclic else {"type": "string"}
    defs = {f"L{i}_{w}": {"type": "object", "properties": {f"p{x}": target(i, x) for x in range(width)}}
            for i in range(levels) for w in range(width)}
    return {"$defs": defs, "$ref": "#/$defs/L0_0"}


def allof_tower(levels: int, names: int) -> dict:
    node: dict = {"properties": {f"k{i}": {} for i in range(names)}, "required": [f"k{i}" for i in range(names)]}
    for i in range(levels):
        node = {"properties": {f"own{i}": {}}, "allOf": [node]}  # each level merges everything below it again
    return node


def compact_ladder(levels: int, width: int) -> dict:
    """A ladder of one-letter definitions made of nothing but `$ref`s: the most work per byte found."""
    name = [f"{chr(97 + i % 26)}{i // 26}" for i in range(levels * width)]
    defs = {name[i * width + w]: {"anyOf": [{"$ref": f"#/$defs/{name[(i + 1) * width + x]}"} for x in range(width)]}
            if i + 1 < levels else {}
            for i in range(levels) for w in range(width)}
    return {"$defs": defs, "$ref": f"#/$defs/{name[0]}"}


TREE = {"$defs": {"Node": {"type": "object", "properties": {
    "value": {"type": "string"}, "left": {"$ref": "#/$defs/Node"}, "right": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}, "$ref": "#/$defs/Node"}

ADVERSARIAL = {
    "eight definitions, each naming the next eight times": chain(8, 8),
    "the same, the last naming the first": chain(8, 8, cyclic=True),
    "the same through allOf": chain(8, 8, via="allOf"),
    "the same through anyOf": chain(8, 8, via="anyOf"),
    "the same through items": chain(8, 8, via="items"),
    "a chain of 100 definitions": chain(100, 1),
    "a ladder of distinct paths": ladder(12, 2),
    "a ladder cycling back": ladder(12, 2, cyclic=True),
    "a ladder of bare $refs": compact_ladder(30, 2),
    "a long description copied": {"$defs": {**chain(3, 10)["$defs"], "D2": {"type": "string", "description": "x" * 100_000}},
                                  "$ref": "#/$defs/D0"},
    "one definition named at 300 sites": {
        "$defs": {"Big": {"type": "object", "properties": {f"k{i}": {"type": "string"} for i in range(300)}}},
        "type": "object", "properties": {f"s{j}": {"allOf": [{"$ref": "#/$defs/Big"}]} for j in range(300)}},
    "a tree": TREE,
    "an anyOf of 5000": {"anyOf": [{"type": "object", "properties": {f"k{i}": {"type": "string"}}} for i in range(5000)]},
    "an allOf of 5000": {"allOf": [{"properties": {f"k{i}": {"type": "string"}}, "required": [f"k{i}"]} for i in range(5000)]},
    "an allOf repeating 200 names 200 times": {"allOf": [
        {"properties": {f"k{j}": {} for j in range(200)}, "required": [f"k{j}" for j in range(200)]} for _ in range(200)]},
    "190 levels deep (a request body may nest 200)": nest({"type": "string"}, 190),
    "allOf nested 60 deep over 2000 names": allof_tower(60, 2000),
    "a wide object": {"type": "object", "properties": {f"k{i}": {"type": "string", "description": "d"} for i in range(20_000)}},
}


# Work is counted in entries read or merged (a fraction of a microsecond each). A node costs a few
# entries, a merge repeats at most once per level of nesting, and inlining stops at `_MAX_GROWTH`
# times the input: a bound linear in the size of the input. The worst found is ~14 per byte, a
# 32-level ladder of bare `$refs` (each inlined copy also hashes the definitions around it).
WORK_PER_BYTE = 32
WORK_FLOOR = schema_module._MIN_INLINED


def walk_within_bounds(schema: dict, dialect: str, param: str = "p"):
    """Convert `schema` in one dialect; assert that the work and the result stay linear in its size."""
    size = len(json.dumps(schema))
    walk = schema_module._JsonWalk(param) if dialect == "json" else schema_module._OpenApiWalk(param, schema)
    try:
        result = walk.clean(schema, 0)
    except InvalidRequestError as error:
        assert error.param == param and error.status == 400
        result = None
    assert walk.work <= WORK_PER_BYTE * size + WORK_FLOOR
    if result is not None:  # no bigger than the input with what inlining added, in bytes and in weight
        assert len(json.dumps(result)) <= 2 * (size + getattr(walk, "size", 0))
        if dialect == "openapi":
            assert walk.size <= max(walk.limit, schema_module._MIN_INLINED)
    return walk, result


@pytest.mark.parametrize("dialect", ["json", "openapi"])
@pytest.mark.parametrize("name", ADVERSARIAL)
def test_adversarial_schemas_cost_work_linear_in_their_size(name, dialect):
    walk_within_bounds(ADVERSARIAL[name], dialect)


@pytest.mark.parametrize("name", [n for n in ADVERSARIAL if "definition" in n or "ladder" in n or "description" in n])
def test_inlining_past_the_growth_limit_is_a_400_that_says_what_to_do(name):
    with pytest.raises(InvalidRequestError) as caught:
        to_gemini_openapi_schema(ADVERSARIAL[name], "tools[0].function.parameters")
    assert caught.value.param == "tools[0].function.parameters"
    assert "$ref" in caught.value.message and ("Gemini 2.5" in caught.value.message or "flatten" in caught.value.message)


def test_the_ref_bomb_from_the_issue_is_a_400_in_a_chat_request_and_fine_where_refs_stay():
    tools = [{"type": "function", "function": {"name": "f", "parameters": chain(8, 8)}}]
    request = {"messages": [{"role": "user", "content": "x"}], "tools": tools}
    with pytest.raises(InvalidRequestError) as caught:
        chat_request_to_gemini({"model": "gemma-3-27b-it", **request}, Settings())
    assert caught.value.to_dict()["error"]["param"] == "tools[0].function.parameters"
    declaration = chat_request_to_gemini({"model": "gemini-2.5-flash", **request}, Settings()).body["tools"][0]["functionDeclarations"][0]
    assert declaration["parametersJsonSchema"]["$defs"]["D7"]["properties"]["p0"] == {"type": "string"}


@pytest.mark.parametrize("dialect", ["json", "openapi"])
@pytest.mark.parametrize("family", [
    lambda n: {"allOf": [{"properties": {f"k{i}": {}}, "required": [f"k{i}"]} for i in range(n)]},
    lambda n: {"anyOf": [{"type": ["string", "null"], "enum": ["a", None]} for _ in range(n)]},
    lambda n: allof_tower(60, n),
    lambda n: {"properties": {f"k{i}": {"allOf": [{"$ref": "#/$defs/A"}]} for i in range(n)}, "$defs": {"A": {"properties": {"x": {}}}}},
], ids=["long-allOf", "wide-anyOf", "allOf-tower", "many-refs"])
def test_four_times_the_input_costs_four_times_the_work(family, dialect):
    small, large = (walk_within_bounds(family(n), dialect)[0].work for n in (500, 2000))
    assert large <= 4.5 * small


def test_adversarial_schemas_do_not_hang():
    # Only catches a hang: before the bounds, the first of these alone took over a minute and 4 GB.
    started = time.perf_counter()
    for schema in ADVERSARIAL.values():
        for dialect in ("json", "openapi"):
            walk_within_bounds(schema, dialect)
    assert time.perf_counter() - started < 30


def test_schemas_that_inline_to_a_few_times_their_size_still_map():
    walk, result = walk_within_bounds(chain(3, 6), "openapi")  # 6**3 = 216 copies of a string
    assert result is not None and walk.size > 10 * schema_module._weight(chain(3, 6))  # grew tenfold, still fine
    assert len(walk.built) == 3 and walk.work < 150  # each definition built once: 22 objects read, not 259
    assert result["properties"]["p5"]["properties"]["p5"]["properties"]["p5"] == {"type": "string"}
    assert to_gemini_openapi_schema(TREE, "p") == {"type": "object", "properties": {
        "value": {"type": "string"}, "left": {"type": "object"}, "right": {"type": "object", "nullable": True},
        "children": {"type": "array", "items": {"type": "object"}}}}


@pytest.mark.parametrize("deep_site", [53, 54])
@pytest.mark.parametrize("deep_first", [False, True], ids=["shared-then-deep", "deep-then-shared"])
def test_a_shared_definition_is_as_deep_wherever_it_is_inlined(deep_site, deep_first):
    # D is 10 levels tall; inlined by a $ref at depth r, its deepest node sits at r + 1 + 10.
    sites = {"a": {"$ref": "#/$defs/D"}, "b": nest({"$ref": "#/$defs/D"}, deep_site - 1)}
    schema = {"$defs": {"D": nest({"type": "string"}, 10)}, "type": "object",
              "properties": dict(reversed(sites.items())) if deep_first else sites}
    if deep_site + 1 + 10 > schema_module._MAX_DEPTH:
        with pytest.raises(InvalidRequestError, match="levels deep"):
            to_gemini_openapi_schema(schema, "p")
    else:
        result = to_gemini_openapi_schema(schema, "p")
        assert result["properties"]["a"] == nest({"type": "string"}, 10)
