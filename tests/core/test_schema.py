"""JSON Schemas cleaned for Gemini's two schema dialects."""

from __future__ import annotations

import pytest

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
        assert list(out["properties"].items()) == [("d", {}), ("b", {"type": "string"}), ("c", {"type": "integer"}), ("a", {"type": "string"})]
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
