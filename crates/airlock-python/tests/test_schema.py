"""JSON Schema from Python callables, JSON arguments back into Python values, results into JSON."""

import asyncio
import collections
import dataclasses
import datetime as dt
import decimal
import enum
import functools
import ipaddress
import json
import math
import os
import pathlib
import subprocess
import sys
import textwrap
import types
import uuid
from collections.abc import Mapping, Sequence
from typing import (
    Annotated,
    Any,
    Generic,
    Literal,
    NamedTuple,
    NewType,
    Optional,
    TypedDict,
    TypeVar,
    Union,
)

import jsonschema
import pydantic
import pytest
from annotated_types import Gt, Len
from pydantic import AfterValidator, BaseModel, Field, StringConstraints
from typing_extensions import NotRequired, Required, TypeAliasType

from airlock._schema import to_json, tool_def_from_callable
from airlock._tools import ToolDef


def schema_of(fn: Any, **kwargs: Any) -> dict[str, Any]:
    tool = tool_def_from_callable(fn, **kwargs)
    jsonschema.Draft202012Validator.check_schema(tool.input_schema)
    return tool.input_schema


def prop(fn: Any, name: str = "x") -> dict[str, Any]:
    return schema_of(fn)["properties"][name]


def call(fn: Any, args: dict[str, Any]) -> Any:
    """Validates ``args`` against the tool's schema, then calls its handler."""
    tool = tool_def_from_callable(fn)
    jsonschema.Draft202012Validator.check_schema(tool.input_schema)
    jsonschema.Draft202012Validator(tool.input_schema).validate(args)
    return tool.handler(args)


def rejects(fn: Any, args: dict[str, Any]) -> bool:
    schema = tool_def_from_callable(fn).input_schema
    return not jsonschema.Draft202012Validator(schema).is_valid(args)


def seen(x: Any) -> Any:
    return x


# -- types used by the tests (at module level, so string annotations resolve) -----------------


class Color(enum.Enum):
    """A paint color."""

    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Address:
    """A postal address.

    Attributes:
        street: The street and number.
        city: The city.
    """

    street: str
    city: str = "Paris"
    country: str = dataclasses.field(default="FR", metadata={"description": "ISO country code."})
    tags: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Person:
    name: str
    address: Address
    nickname: Optional[str] = None


@dataclasses.dataclass
class TreeNode:
    value: int
    children: "list[TreeNode]" = dataclasses.field(default_factory=list)


T = TypeVar("T")


@dataclasses.dataclass
class Box(Generic[T]):
    item: T


@dataclasses.dataclass
class Positive:
    n: int

    def __post_init__(self) -> None:
        if self.n <= 0:
            raise ValueError("n must be positive")


class Options(TypedDict, total=False):
    """Search options."""

    limit: int
    exact: bool


class Query(TypedDict):
    text: str
    page: NotRequired[int]


class Partial(TypedDict, total=False):
    id: Required[str]
    note: str


class Point(NamedTuple):
    """A point.

    Attributes:
        x: Horizontal.
    """

    x: float
    y: float = 0.0


UserId = NewType("UserId", int)


class Pet(BaseModel):
    """A pet."""

    name: str = Field(description="The pet's name")
    kind: Literal["cat", "dog"] = "cat"
    owner_name: Optional[str] = None


class Owner(BaseModel):
    pets: list[Pet]
    favorite: Color = Color.RED


class Category(BaseModel):
    name: str
    sub: "list[Category]" = []


class Aliased(BaseModel):
    from_: int = Field(alias="from")


# A dataclass whose name clashes with a pydantic model's definition.
@dataclasses.dataclass
class Pet2:
    legs: int


Pet2.__name__ = "Pet"
Pet2.__qualname__ = "Pet"


# -- scalars and Any ----------------------------------------------------------------------------


def test_scalars() -> None:
    def f(s: str, i: int, n: float, b: bool, z: None) -> None:
        """Scalars."""

    schema = schema_of(f)
    assert schema == {
        "type": "object",
        "properties": {
            "s": {"type": "string"},
            "i": {"type": "integer"},
            "n": {"type": "number"},
            "b": {"type": "boolean"},
            "z": {"type": "null"},
        },
        "required": ["s", "i", "n", "b", "z"],
        "additionalProperties": False,
    }


def test_scalar_conversion() -> None:
    def f(i: int, n: float, b: bool) -> tuple[Any, Any, Any]:
        return i, n, b

    i, n, b = call(f, {"i": 3.0, "n": 2, "b": True})
    assert (i, type(i)) == (3, int)
    assert (n, type(n)) == (2.0, float)
    assert b is True
    with pytest.raises(
        TypeError, match=r"f\(\): argument 'i': expected an integer, got number 3\.5"
    ):
        tool_def_from_callable(f).handler({"i": 3.5, "n": 1, "b": True})
    with pytest.raises(TypeError, match="expected an integer, got boolean True"):
        tool_def_from_callable(f).handler({"i": True, "n": 1, "b": True})
    with pytest.raises(TypeError, match="expected a boolean"):
        tool_def_from_callable(f).handler({"i": 1, "n": 1, "b": 1})


def test_any_and_unannotated_params_take_any_json() -> None:
    def f(a, b: Any, c: object = None):  # type: ignore[no-untyped-def]
        return a, b, c

    schema = schema_of(f)
    assert schema["properties"] == {"a": {}, "b": {}, "c": {"default": None}}
    assert schema["required"] == ["a", "b"]
    assert call(f, {"a": [1, {"x": None}], "b": "s"}) == ([1, {"x": None}], "s", None)


def test_str_subclass_and_newtype() -> None:
    class Name(str):
        pass

    def f(n: Name, u: UserId) -> Any:
        return n, u

    assert prop(f, "n") == {"type": "string"}
    assert prop(f, "u") == {"type": "integer"}
    n, u = call(f, {"n": "bob", "u": 7})
    assert type(n) is Name and n == "bob" and u == 7


def test_bytes_are_base64() -> None:
    def f(x: bytes, y: bytearray = bytearray(b"\x00")) -> Any:
        return x, y

    schema = prop(f)
    assert schema["type"] == "string" and schema["contentEncoding"] == "base64"
    assert prop(f, "y")["default"] == "AA=="
    assert call(f, {"x": "aGVsbG8="}) == (b"hello", bytearray(b"\x00"))
    assert rejects(f, {"x": "not base64!"})
    with pytest.raises(ValueError, match="expected a base64 string"):
        tool_def_from_callable(f).handler({"x": "abc"})


# -- containers ---------------------------------------------------------------------------------


def test_lists_and_sequences() -> None:
    def f(x: list[int], y: Sequence[str], z: list, d: collections.deque[int]) -> Any:  # type: ignore[type-arg]
        return x, y, z, d

    assert prop(f) == {"type": "array", "items": {"type": "integer"}}
    assert prop(f, "y") == {"type": "array", "items": {"type": "string"}}
    assert prop(f, "z") == {"type": "array"}
    x, y, z, d = call(f, {"x": [1, 2.0], "y": ["a"], "z": [None], "d": [1]})
    assert x == [1, 2] and type(x[1]) is int and y == ["a"] and z == [None]
    assert d == collections.deque([1])
    with pytest.raises(TypeError, match=r"argument 'x\[1\]': expected an integer"):
        tool_def_from_callable(f).handler({"x": [1, "two"], "y": [], "z": [], "d": []})


def test_tuples() -> None:
    def f(x: tuple[int, str], y: tuple[float, ...], z: tuple[()], w: tuple) -> Any:  # type: ignore[type-arg]
        return x, y, z, w

    assert prop(f) == {
        "type": "array",
        "minItems": 2,
        "maxItems": 2,
        "prefixItems": [{"type": "integer"}, {"type": "string"}],
    }
    assert prop(f, "y") == {"type": "array", "items": {"type": "number"}}
    assert prop(f, "z") == {"type": "array", "minItems": 0, "maxItems": 0}
    assert prop(f, "w") == {"type": "array"}
    assert call(f, {"x": [1, "a"], "y": [1, 2.5], "z": [], "w": [1]}) == (
        (1, "a"),
        (1.0, 2.5),
        (),
        (1,),
    )
    assert rejects(f, {"x": [1, "a", 3], "y": [], "z": [], "w": []})
    with pytest.raises(TypeError, match="expected an array of 2 items, got 3"):
        tool_def_from_callable(f).handler({"x": [1, "a", 3], "y": [], "z": [], "w": []})


def test_sets() -> None:
    def f(x: set[str], y: frozenset[int]) -> Any:
        return x, y

    assert prop(f) == {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
    assert call(f, {"x": ["a", "b"], "y": [1]}) == ({"a", "b"}, frozenset({1}))
    assert rejects(f, {"x": ["a", "a"], "y": []})


def test_dicts() -> None:
    def f(x: dict[str, int], y: Mapping[int, list[str]], z: dict, c: dict[Color, int]) -> Any:  # type: ignore[type-arg]
        return x, y, z, c

    assert prop(f) == {"type": "object", "additionalProperties": {"type": "integer"}}
    assert prop(f, "y") == {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "propertyNames": {"pattern": "^-?[0-9]+$"},
    }
    assert prop(f, "z") == {"type": "object"}
    assert prop(f, "c")["propertyNames"] == {"enum": ["red", "green"]}
    assert call(f, {"x": {"a": 1}, "y": {"-2": ["s"]}, "z": {"k": None}, "c": {"green": 2}}) == (
        {"a": 1},
        {-2: ["s"]},
        {"k": None},
        {Color.GREEN: 2},
    )
    assert rejects(f, {"x": {}, "y": {"one": []}, "z": {}, "c": {}})
    with pytest.raises(TypeError, match=r"argument 'x\.a': expected an integer"):
        tool_def_from_callable(f).handler({"x": {"a": "1"}, "y": {}, "z": {}, "c": {}})


def test_dict_with_uuid_keys() -> None:
    def f(x: dict[uuid.UUID, int]) -> Any:
        return x

    assert prop(f)["propertyNames"] == {"format": "uuid"}
    key = "12345678-1234-5678-1234-567812345678"
    assert call(f, {"x": {key: 1}}) == {uuid.UUID(key): 1}


# -- Literal, Enum, unions ----------------------------------------------------------------------


def test_literal() -> None:
    def f(
        x: Literal["a", "b"], y: Literal[1, 2], z: Literal["only"], w: Literal[1, "one", None]
    ) -> Any:
        return x, y, z, w

    assert prop(f) == {"type": "string", "enum": ["a", "b"]}
    assert prop(f, "y") == {"type": "integer", "enum": [1, 2]}
    assert prop(f, "z") == {"type": "string", "const": "only"}
    assert prop(f, "w") == {"enum": [1, "one", None]}
    assert call(f, {"x": "b", "y": 2, "z": "only", "w": None}) == ("b", 2, "only", None)
    assert rejects(f, {"x": "c", "y": 2, "z": "only", "w": 1})
    with pytest.raises(ValueError, match="expected one of 1, 2"):
        tool_def_from_callable(f).handler({"x": "a", "y": True, "z": "only", "w": 1})


def test_enum() -> None:
    def f(c: Color, level: Level = Level.LOW) -> Any:
        return c, level

    schema = schema_of(f)
    assert schema["properties"] == {
        "c": {"$ref": "#/$defs/Color"},
        "level": {"$ref": "#/$defs/Level", "default": 1},
    }
    assert schema["$defs"]["Color"] == {
        "type": "string",
        "description": "A paint color.",
        "enum": ["red", "green"],
    }
    assert schema["$defs"]["Level"] == {"type": "integer", "enum": [1, 2]}
    assert call(f, {"c": "green", "level": 2}) == (Color.GREEN, Level.HIGH)
    assert call(f, {"c": "red"}) == (Color.RED, Level.LOW)
    assert rejects(f, {"c": "blue"})


def test_optional_and_union() -> None:
    def f(
        a: Optional[int], b: Union[int, str], c: str | None = None, d: Union[float, int] = 0
    ) -> Any:
        return a, b, c, d

    schema = schema_of(f)
    assert schema["properties"]["a"] == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert schema["properties"]["b"] == {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert schema["properties"]["c"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
    }
    assert schema["required"] == ["a", "b"]
    assert call(f, {"a": None, "b": "x"}) == (None, "x", None, 0)
    a, b, _, d = call(f, {"a": 1, "b": 2, "d": 3})
    assert (a, b, d, type(d)) == (1, 2, 3.0, float)


def test_union_tries_members_in_order() -> None:
    def f(x: Union[dt.date, str], y: Union[Address, Point]) -> Any:
        return x, y

    assert call(f, {"x": "2024-05-06", "y": {"x": 1.5}}) == (dt.date(2024, 5, 6), Point(1.5, 0.0))
    assert call(f, {"x": "tomorrow", "y": {"street": "Main"}})[0] == "tomorrow"
    with pytest.raises(TypeError, match="fits none of the union's types"):
        tool_def_from_callable(f).handler({"x": 1, "y": {"street": "Main"}})


def test_none_default_accepts_null() -> None:
    def f(x: int = None) -> Any:  # type: ignore[assignment]
        return x

    assert prop(f) == {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}
    assert call(f, {"x": None}) is None
    assert call(f, {}) is None


def test_none_default_keeps_description_outside() -> None:
    def f(x: Annotated[int, "How many."] = None) -> None:  # type: ignore[assignment]
        pass

    assert prop(f) == {
        "anyOf": [{"type": "integer"}, {"type": "null"}],
        "description": "How many.",
        "default": None,
    }


# -- TypedDict, dataclasses, NamedTuple ---------------------------------------------------------


def test_typeddict() -> None:
    def f(o: Options, q: Query, p: Partial) -> Any:
        return o, q, p

    schema = schema_of(f)
    defs = schema["$defs"]
    assert defs["Options"] == {
        "type": "object",
        "description": "Search options.",
        "properties": {"limit": {"type": "integer"}, "exact": {"type": "boolean"}},
    }
    assert defs["Query"] == {
        "type": "object",
        "properties": {"text": {"type": "string"}, "page": {"type": "integer"}},
        "required": ["text"],
    }
    assert defs["Partial"]["required"] == ["id"]
    o, q, p = call(f, {"o": {"limit": 2.0}, "q": {"text": "hi"}, "p": {"id": "1", "note": "n"}})
    assert o == {"limit": 2} and type(o["limit"]) is int and type(o) is dict
    assert q == {"text": "hi"} and p == {"id": "1", "note": "n"}
    assert rejects(f, {"o": {}, "q": {"page": 1}, "p": {"id": "1"}})
    with pytest.raises(TypeError, match="argument 'q': missing required key 'text'"):
        tool_def_from_callable(f).handler({"o": {}, "q": {}, "p": {"id": "1"}})


def test_dataclass() -> None:
    def f(a: Address) -> Address:
        return a

    schema = schema_of(f)
    assert schema["properties"]["a"] == {"$ref": "#/$defs/Address"}
    assert schema["$defs"]["Address"] == {
        "type": "object",
        "description": "A postal address.",
        "properties": {
            "street": {"type": "string", "description": "The street and number."},
            "city": {"type": "string", "description": "The city.", "default": "Paris"},
            "country": {"type": "string", "description": "ISO country code.", "default": "FR"},
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["street"],
        "additionalProperties": False,
    }
    assert call(f, {"a": {"street": "1 Main", "tags": ["x"]}}) == Address("1 Main", tags=["x"])
    assert rejects(f, {"a": {"street": "1 Main", "zip": "75001"}})
    with pytest.raises(TypeError, match=r"argument 'a': unexpected key 'zip'"):
        tool_def_from_callable(f).handler({"a": {"street": "1 Main", "zip": "75001"}})


def test_nested_dataclass_defs_are_shared() -> None:
    def f(p: Person, home: Address) -> Person:
        return p

    schema = schema_of(f)
    assert sorted(schema["$defs"]) == ["Address", "Person"]
    assert schema["$defs"]["Person"]["properties"]["address"] == {"$ref": "#/$defs/Address"}
    assert schema["$defs"]["Person"]["properties"]["nickname"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
    }
    person = call(f, {"p": {"name": "Ann", "address": {"street": "s"}}, "home": {"street": "t"}})
    assert person == Person("Ann", Address("s"))


def test_recursive_dataclass() -> None:
    def f(tree: TreeNode) -> int:
        return tree.value

    schema = schema_of(f)
    assert schema["$defs"]["TreeNode"]["properties"]["children"] == {
        "type": "array",
        "items": {"$ref": "#/$defs/TreeNode"},
    }
    tree = {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}
    jsonschema.validate({"tree": tree}, schema)
    handler = tool_def_from_callable(seen_tree).handler
    assert handler({"tree": tree}) == TreeNode(1, [TreeNode(2, [TreeNode(3)])])


def seen_tree(tree: TreeNode) -> TreeNode:
    return tree


Json = TypeAliasType("Json", "dict[str, Json] | list[Json] | str | int | float | bool | None")
Pair = TypeAliasType("Pair", tuple[T, T], type_params=(T,))


def test_type_aliases() -> None:
    def f(j: Json, p: Pair[int]) -> Any:
        return j, p

    schema = schema_of(f)
    assert schema["properties"]["j"] == {"$ref": "#/$defs/Json"}
    assert {"type": "array", "items": {"$ref": "#/$defs/Json"}} in schema["$defs"]["Json"]["anyOf"]
    assert schema["properties"]["p"]["prefixItems"] == [{"type": "integer"}, {"type": "integer"}]
    assert call(f, {"j": {"a": [1, None]}, "p": [1, 2]}) == ({"a": [1, None]}, (1, 2))


def test_dict_with_literal_keys() -> None:
    def f(x: dict[Literal["a", "b"], int]) -> Any:
        return x

    assert prop(f)["propertyNames"] == {"enum": ["a", "b"]}
    assert call(f, {"x": {"b": 1}}) == {"b": 1}
    assert rejects(f, {"x": {"c": 1}})


def test_generic_dataclass() -> None:
    def f(a: Box[int], b: Box[str]) -> Any:
        return a, b

    schema = schema_of(f)
    assert schema["$defs"]["Box_int_"]["properties"] == {"item": {"type": "integer"}}
    assert schema["$defs"]["Box_str_"]["properties"] == {"item": {"type": "string"}}
    assert call(f, {"a": {"item": 1}, "b": {"item": "s"}}) == (Box(1), Box("s"))


def test_dataclass_constructor_errors_propagate() -> None:
    def f(p: Positive) -> Positive:
        return p

    with pytest.raises(ValueError, match="n must be positive"):
        call(f, {"p": {"n": 0}})


def test_namedtuple() -> None:
    def f(p: Point) -> Point:
        return p

    schema = schema_of(f)
    assert schema["$defs"]["Point"] == {
        "type": "object",
        "description": "A point.",
        "properties": {
            "x": {"type": "number", "description": "Horizontal."},
            "y": {"type": "number", "default": 0.0},
        },
        "required": ["x"],
        "additionalProperties": False,
    }
    assert call(f, {"p": {"x": 1}}) == Point(1.0, 0.0)


# -- standard library types ---------------------------------------------------------------------


def test_dates_and_times() -> None:
    def f(a: dt.datetime, b: dt.date, c: dt.time, d: dt.timedelta) -> Any:
        return a, b, c, d

    schema = schema_of(f)["properties"]
    assert schema["a"] == {"type": "string", "format": "date-time"}
    assert schema["b"] == {"type": "string", "format": "date"}
    assert schema["c"] == {"type": "string", "format": "time"}
    assert schema["d"] == {"type": "number"}
    a, b, c, d = call(f, {"a": "2024-01-02T03:04:05Z", "b": "2024-01-02", "c": "10:30", "d": 90})
    assert a == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert (b, c, d) == (dt.date(2024, 1, 2), dt.time(10, 30), dt.timedelta(seconds=90))
    with pytest.raises(ValueError, match=r"argument 'b': expected an ISO 8601 date string"):
        tool_def_from_callable(f).handler({"a": "2024-01-02", "b": "May 5", "c": "10:30", "d": 1})


def test_uuid_decimal_path_ip() -> None:
    def f(
        u: uuid.UUID,
        m: decimal.Decimal,
        p: pathlib.Path,
        ip: ipaddress.IPv4Address,
        net: ipaddress.IPv6Network,
    ) -> Any:
        return u, m, p, ip, net

    schema = schema_of(f)["properties"]
    assert schema["u"] == {"type": "string", "format": "uuid"}
    assert schema["m"]["anyOf"][0] == {"type": "number"}
    assert schema["p"] == {"type": "string", "format": "path"}
    assert schema["ip"] == {"type": "string", "format": "ipv4"}
    assert schema["net"] == {"type": "string"}
    key = "12345678-1234-5678-1234-567812345678"
    args = {"u": key, "m": "12.50", "p": "/tmp/x", "ip": "10.0.0.1", "net": "::/0"}
    assert call(f, args) == (
        uuid.UUID(key),
        decimal.Decimal("12.50"),
        pathlib.Path("/tmp/x"),
        ipaddress.IPv4Address("10.0.0.1"),
        ipaddress.IPv6Network("::/0"),
    )
    assert call(f, {**args, "m": 0.1})[1] == decimal.Decimal("0.1")
    assert rejects(f, {**args, "m": "NaN"})
    with pytest.raises(ValueError, match="expected a UUID string"):
        tool_def_from_callable(f).handler({**args, "u": "nope"})


# -- Annotated and pydantic ---------------------------------------------------------------------


def test_annotated_description() -> None:
    def f(
        x: Annotated[int, "How many items."], y: Annotated[list[Annotated[str, "A tag."]], "Tags."]
    ) -> None:
        """Doc.

        Args:
            x: Overridden by Annotated.
        """

    assert prop(f) == {"type": "integer", "description": "How many items."}
    assert prop(f, "y") == {
        "type": "array",
        "items": {"type": "string", "description": "A tag."},
        "description": "Tags.",
    }


def test_annotated_types_constraints() -> None:
    def f(
        x: Annotated[int, Gt(0)], s: Annotated[str, Len(1, 5)], xs: Annotated[list[int], Len(0, 3)]
    ) -> None:
        pass

    assert prop(f) == {"type": "integer", "exclusiveMinimum": 0}
    assert prop(f, "s") == {"type": "string", "minLength": 1, "maxLength": 5}
    assert prop(f, "xs") == {"type": "array", "items": {"type": "integer"}, "maxItems": 3}


def test_pydantic_field_in_annotated() -> None:
    def f(
        n: Annotated[int, Field(ge=1, le=10, description="Count.")] = 5,
        code: Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])] = "USD",
        name: Annotated[str, StringConstraints(min_length=2, to_lower=True)] = "xx",
    ) -> Any:
        return n, code, name

    schema = schema_of(f)["properties"]
    assert schema["n"] == {
        "type": "integer",
        "description": "Count.",
        "minimum": 1,
        "maximum": 10,
        "default": 5,
    }
    assert schema["code"] == {
        "type": "string",
        "examples": ["EUR"],
        "pattern": "^[A-Z]{3}$",
        "default": "USD",
    }
    assert schema["name"] == {"type": "string", "minLength": 2, "default": "xx"}
    assert call(f, {"n": 3, "name": "ABC"}) == (3, "USD", "abc")
    assert rejects(f, {"n": 11})


def test_pydantic_validators_run_after_conversion() -> None:
    def f(x: Annotated[int, AfterValidator(lambda v: v * 2)]) -> int:
        return x

    assert call(f, {"x": 4}) == 8


def test_pydantic_field_as_default_alias_and_factory() -> None:
    def f(
        from_: int = Field(alias="from", description="Start."),
        tags: Annotated[list[str], Field(default_factory=list)] = None,  # type: ignore[assignment]
        size: Annotated[int, Field(default=3)] = None,  # type: ignore[assignment]
        limit: int = Field(default=10, ge=0),
    ) -> Any:
        return from_, tags, size, limit

    schema = schema_of(f)
    assert schema["properties"]["from"] == {"type": "integer", "description": "Start."}
    assert schema["properties"]["limit"] == {"type": "integer", "minimum": 0, "default": 10}
    assert schema["required"] == ["from"]
    assert call(f, {"from": 1}) == (1, None, None, 10)

    def g(
        tags: Annotated[list[str], Field(default_factory=list)],
        size: Annotated[int, Field(default=3)],
        limit: int = Field(default=10, ge=0),
    ) -> Any:
        return tags, size, limit

    assert schema_of(g)["properties"]["size"] == {"type": "integer", "default": 3}
    assert "required" not in schema_of(g)
    assert call(g, {}) == ([], 3, 10)


def test_pydantic_model() -> None:
    def f(pet: Pet, owner: Owner) -> Any:
        return pet, owner

    schema = schema_of(f)
    defs = schema["$defs"]
    assert schema["properties"] == {
        "pet": {"$ref": "#/$defs/Pet"},
        "owner": {"$ref": "#/$defs/Owner"},
    }
    assert defs["Pet"] == {
        "description": "A pet.",
        "properties": {
            "name": {"description": "The pet's name", "type": "string"},
            "kind": {"default": "cat", "enum": ["cat", "dog"], "type": "string"},
            "owner_name": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["name"],
        "type": "object",
    }
    assert defs["Owner"]["properties"]["pets"] == {
        "items": {"$ref": "#/$defs/Pet"},
        "type": "array",
    }
    assert defs["Owner"]["properties"]["favorite"] == {"$ref": "#/$defs/Color", "default": "red"}
    assert "title" not in json.dumps(schema)
    pet, owner = call(
        f, {"pet": {"name": "Rex", "kind": "dog"}, "owner": {"pets": [{"name": "Tom"}]}}
    )
    assert pet == Pet(name="Rex", kind="dog")
    assert owner == Owner(pets=[Pet(name="Tom")])
    with pytest.raises(pydantic.ValidationError):
        tool_def_from_callable(f).handler({"pet": {"name": 1}, "owner": {"pets": []}})


def test_pydantic_recursive_model_and_alias() -> None:
    def f(c: Category, a: Aliased) -> Any:
        return c, a

    schema = schema_of(f)
    assert schema["properties"]["c"] == {"$ref": "#/$defs/Category"}
    assert schema["$defs"]["Category"]["properties"]["sub"]["items"] == {"$ref": "#/$defs/Category"}
    assert schema["$defs"]["Aliased"]["properties"] == {"from": {"type": "integer"}}
    c, a = call(f, {"c": {"name": "a", "sub": [{"name": "b"}]}, "a": {"from": 3}})
    assert c.sub[0].name == "b" and a.from_ == 3


def test_clashing_definition_names_are_renamed() -> None:
    def f(a: Pet2, b: Pet) -> Any:
        return a, b

    schema = schema_of(f)
    assert schema["properties"]["a"] == {"$ref": "#/$defs/Pet"}
    assert schema["properties"]["b"] == {"$ref": "#/$defs/Pet2"}
    assert schema["$defs"]["Pet"]["properties"] == {"legs": {"type": "integer"}}
    assert schema["$defs"]["Pet2"]["description"] == "A pet."
    jsonschema.validate({"a": {"legs": 4}, "b": {"name": "Rex"}}, schema)


def test_pydantic_model_mixed_with_dataclasses() -> None:
    def f(owner: Owner, color: Color) -> None:
        pass

    schema = schema_of(f)
    assert sorted(schema["$defs"]) == ["Color", "Owner", "Pet"]


def test_pydantic_definitions_are_shared_whatever_the_order() -> None:
    def f(owner: Owner, pet: Pet) -> None:
        pass

    schema = schema_of(f)
    assert sorted(schema["$defs"]) == ["Color", "Owner", "Pet"]
    assert schema["properties"]["pet"] == {"$ref": "#/$defs/Pet"}


def test_pydantic_types_without_a_model() -> None:
    def f(url: pydantic.HttpUrl, tags: Annotated[list[str], Field(min_length=1)]) -> Any:
        return url, tags

    props = schema_of(f)["properties"]
    assert props["url"]["type"] == "string" and props["url"]["format"] == "uri"
    assert props["tags"] == {"type": "array", "items": {"type": "string"}, "minItems": 1}
    url, tags = call(f, {"url": "https://example.org/a", "tags": ["x"]})
    assert isinstance(url, pydantic.HttpUrl) and str(url) == "https://example.org/a"
    assert to_json(url) == "https://example.org/a"


# -- parameters: defaults, kinds, methods, partials ---------------------------------------------


def test_defaults() -> None:
    sentinel = object()

    def f(
        a: int,
        b: str = "x",
        c: list[int] = [1, 2],  # noqa: B006
        d: Color = Color.GREEN,
        e: dt.date = dt.date(2024, 1, 1),
        f: Any = sentinel,
        g: float = math.nan,
    ) -> None:
        pass

    props = schema_of(f)["properties"]
    assert props["b"]["default"] == "x"
    assert props["c"]["default"] == [1, 2]
    assert props["d"]["default"] == "green"
    assert props["e"]["default"] == "2024-01-01"
    assert "default" not in props["f"] and "default" not in props["g"]
    assert schema_of(f)["required"] == ["a"]


def test_positional_only_and_keyword_only() -> None:
    def f(a: int, b: int = 2, /, c: int = 3, *, d: int, e: int = 5) -> tuple[int, ...]:
        return a, b, c, d, e

    schema = schema_of(f)
    assert list(schema["properties"]) == ["a", "b", "c", "d", "e"]
    assert schema["required"] == ["a", "d"]
    assert call(f, {"a": 1, "d": 4}) == (1, 2, 3, 4, 5)
    assert call(f, {"a": 1, "b": 7, "d": 4, "e": 0}) == (1, 7, 3, 4, 0)


def test_missing_and_unexpected_arguments() -> None:
    def f(a: int, b: int = 0) -> None:
        pass

    handler = tool_def_from_callable(f).handler
    with pytest.raises(
        TypeError,
        match=r"^test_missing_and_unexpected_arguments.<locals>.f\(\): missing required argument 'a'$",
    ):
        handler({})
    with pytest.raises(TypeError, match=r"unexpected argument 'c' \(expected: 'a', 'b'\)"):
        handler({"a": 1, "c": 2})


class Service:
    """A service."""

    def __init__(self, base: int) -> None:
        self.base = base

    def add(self, x: int) -> int:
        """Adds x to the base."""
        return self.base + x

    @classmethod
    def make(cls, base: int) -> str:
        """Makes one."""
        return cls.__name__ + str(base)

    @staticmethod
    def double(x: int) -> int:
        return 2 * x


class Adder:
    """Adds a fixed amount.

    Args:
        x: The number to add to.
    """

    def __call__(self, x: int) -> int:
        return x + 1


class AsyncAdder:
    async def __call__(self, x: int) -> int:
        return x + 1


def test_methods() -> None:
    service = Service(10)
    tool = tool_def_from_callable(service.add)
    assert tool.name == "add" and tool.description == "Adds x to the base."
    assert list(tool.input_schema["properties"]) == ["x"]
    assert tool.handler({"x": 5}) == 15
    made = tool_def_from_callable(Service.make)
    assert (
        list(made.input_schema["properties"]) == ["base"]
        and made.handler({"base": 2}) == "Service2"
    )
    assert tool_def_from_callable(Service.double).handler({"x": 4}) == 8


def test_callable_instance() -> None:
    tool = tool_def_from_callable(Adder())
    assert tool.name == "Adder"
    assert tool.description == "Adds a fixed amount."
    assert tool.input_schema["properties"] == {
        "x": {"type": "integer", "description": "The number to add to."}
    }
    assert tool.handler({"x": 1}) == 2 and not tool.is_async


def test_a_class_is_a_tool_that_builds_it() -> None:
    tool = tool_def_from_callable(Address)
    assert tool.name == "Address"
    assert tool.input_schema["properties"]["street"]["description"] == "The street and number."
    assert tool.output_schema is not None and tool.output_schema["type"] == "object"
    assert tool.handler({"street": "s"}) == Address("s")


def test_partial_bound_params_are_skipped() -> None:
    def transfer(conn: object, amount: int, currency: str = "EUR", note: str = "") -> Any:
        """Transfers money.

        Args:
            conn: The database connection.
            amount: Cents to move.
        """
        return conn, amount, currency, note

    bound = functools.partial(transfer, "db", currency="USD")
    tool = tool_def_from_callable(bound)
    assert tool.name == "transfer" and tool.description == "Transfers money."
    assert tool.input_schema["properties"] == {
        "amount": {"type": "integer", "description": "Cents to move."},
        "note": {"type": "string", "default": ""},
    }
    assert tool.handler({"amount": 5}) == ("db", 5, "USD", "")
    nested = functools.partial(functools.partial(transfer, note="n"), "db2")
    assert list(tool_def_from_callable(nested).input_schema["properties"]) == ["amount", "currency"]


def test_varargs_are_rejected() -> None:
    def f(a: int, *rest: int) -> None:
        pass

    def g(a: int, **options: Any) -> None:
        pass

    with pytest.raises(
        TypeError, match=r"f\(\): parameter '\*rest' cannot be filled .*hint: declare each argument"
    ):
        tool_def_from_callable(f)
    with pytest.raises(TypeError, match=r"g\(\): parameter '\*\*options'"):
        tool_def_from_callable(g)


# -- names, timeouts, errors --------------------------------------------------------------------


def test_names() -> None:
    def f() -> None:
        pass

    assert tool_def_from_callable(f).name == "f"
    assert tool_def_from_callable(f, name="bank/transfer").name == "bank/transfer"
    assert tool_def_from_callable(lambda: 1, name="one").handler({}) == 1
    with pytest.raises(TypeError, match="pass name="):
        tool_def_from_callable(lambda: 1)
    for bad in ("", "has space", "1abc", "a//b", "a/", "é"):
        with pytest.raises(ValueError, match="invalid tool name"):
            tool_def_from_callable(f, name=bad)
    with pytest.raises(TypeError, match="not callable"):
        tool_def_from_callable(42)  # type: ignore[arg-type]


def test_timeout_and_description_override() -> None:
    def f() -> None:
        """Doc."""

    tool = tool_def_from_callable(f, timeout=2, description="Custom.")
    assert isinstance(tool, ToolDef)
    assert tool.timeout == 2.0 and tool.description == "Custom."
    assert tool_def_from_callable(f).timeout is None
    for bad in (0, -1, math.inf, "5", True):
        with pytest.raises(ValueError, match="timeout must be a positive number"):
            tool_def_from_callable(f, timeout=bad)  # type: ignore[arg-type]


class Connection:
    pass


@dataclasses.dataclass
class Request:
    conn: Connection


def test_unsupported_types_name_function_parameter_and_type() -> None:
    def report(conn: Connection) -> None:
        pass

    with pytest.raises(TypeError) as info:
        tool_def_from_callable(report)
    message = str(info.value)
    assert message.startswith(
        "test_unsupported_types_name_function_parameter_and_type.<locals>.report(): "
    )
    assert (
        "parameter 'conn': type Connection has no JSON form; hint: annotate it with a JSON type"
        in message
    )

    def nested(req: list[Request]) -> None:
        pass

    with pytest.raises(
        TypeError,
        match=r"parameter 'req', field 'conn' of Request: type Connection has no JSON form",
    ):
        tool_def_from_callable(nested)

    def keyed(m: dict[tuple[int, int], str]) -> None:
        pass

    with pytest.raises(
        TypeError, match=r"parameter 'm': tuple\[int, int\] cannot be an object key"
    ):
        tool_def_from_callable(keyed)

    def callback(fn: Any, cb: types.FunctionType) -> None:
        pass

    with pytest.raises(TypeError, match="parameter 'cb': type function has no JSON form"):
        tool_def_from_callable(callback)


def test_generators_are_rejected() -> None:
    def gen() -> Any:
        yield 1

    with pytest.raises(TypeError, match="generator function.*return a list"):
        tool_def_from_callable(gen)


def test_string_annotations_resolve_in_the_functions_module() -> None:
    source = textwrap.dedent(
        """
        from __future__ import annotations
        import dataclasses

        @dataclasses.dataclass
        class Item:
            name: str
            children: list[Item] = dataclasses.field(default_factory=list)

        def make(item: Item, count: int | None = None) -> Item:
            return item

        def broken(x: Missing) -> None:
            pass
        """
    )
    module = types.ModuleType("schema_future_mod")
    sys.modules[module.__name__] = module
    try:
        exec(source, module.__dict__)
        tool = tool_def_from_callable(module.make)
        assert tool.input_schema["properties"]["item"] == {"$ref": "#/$defs/Item"}
        assert tool.handler({"item": {"name": "a", "children": [{"name": "b"}]}}) == module.Item(
            "a", [module.Item("b")]
        )
        with pytest.raises(
            TypeError, match=r"broken\(\): cannot resolve its type annotations \(NameError"
        ):
            tool_def_from_callable(module.broken)
    finally:
        del sys.modules[module.__name__]


# -- docstrings ---------------------------------------------------------------------------------


def test_google_docstring() -> None:
    def f(city: str, units: str = "metric", days: int = 1) -> dict[str, Any]:
        """Gets the weather forecast.

        Looks the city up first.

        Args:
            city: The city name,
                for example Paris.
            units (str, optional): Either "metric"
                or "imperial".

                A second paragraph.
            days: Days ahead:
                - 1 is tomorrow
                - 7 is a week

        Returns:
            dict: The forecast by day.

        Raises:
            KeyError: When the city is unknown.
        """
        return {}

    tool = tool_def_from_callable(f)
    assert tool.description == "Gets the weather forecast.\n\nLooks the city up first."
    props = tool.input_schema["properties"]
    assert props["city"]["description"] == "The city name, for example Paris."
    assert props["units"]["description"] == 'Either "metric" or "imperial".\n\nA second paragraph.'
    assert props["days"]["description"] == "Days ahead:\n- 1 is tomorrow\n- 7 is a week"
    assert (
        tool.output_schema is not None
        and tool.output_schema["description"] == "The forecast by day."
    )


@pytest.mark.parametrize("header", ["Arguments", "Parameters", "Params", "Keyword Args"])
def test_google_section_names(header: str) -> None:
    def f(x: int) -> None:
        pass

    f.__doc__ = f"""Summary.

    {header}:
        x: The x.
    """
    tool = tool_def_from_callable(f)
    assert tool.description == "Summary."
    assert tool.input_schema["properties"]["x"]["description"] == "The x."


def test_numpy_docstring() -> None:
    def f(x: float, y: float, label: str = "") -> float:
        """Computes a distance.

        Parameters
        ----------
        x, y : float
            Coordinates, continued
            on a second line.
        label : str, optional
            A label.

        Returns
        -------
        float
            The distance from the origin.

        Examples
        --------
        >>> f(3, 4)
        5.0
        """
        return math.hypot(x, y)

    tool = tool_def_from_callable(f)
    assert tool.description == "Computes a distance."
    props = tool.input_schema["properties"]
    assert (
        props["x"]["description"]
        == props["y"]["description"]
        == "Coordinates, continued on a second line."
    )
    assert props["label"]["description"] == "A label."
    assert tool.output_schema == {"description": "The distance from the origin.", "type": "number"}


def test_rest_and_epydoc_docstrings() -> None:
    def f(a: int, b: str) -> str:
        """Joins things.

        :param a: The count,
            wrapped.
        :param str b: The text.
        :type a: int
        :returns: The joined text.
        :raises ValueError: Never.
        """
        return b * a

    tool = tool_def_from_callable(f)
    assert tool.description == "Joins things."
    props = tool.input_schema["properties"]
    assert props["a"]["description"] == "The count, wrapped."
    assert props["b"]["description"] == "The text."
    assert tool.output_schema == {"description": "The joined text.", "type": "string"}

    def g(a: int) -> None:
        """Epydoc.

        @param a: The a.
        @return: Nothing.
        """

    assert tool_def_from_callable(g).input_schema["properties"]["a"]["description"] == "The a."


def test_no_docstring_describes_the_signature() -> None:
    def add(a: int, b: Annotated[int, "Second."] = 2, *, c: list[Address] | None = None) -> int:
        return a + b

    tool = tool_def_from_callable(add)
    assert tool.description == "add(a: int, b: int = 2, *, c: list[Address] | None = None) -> int"

    def anything(x, /, y=1):  # type: ignore[no-untyped-def]
        pass

    assert tool_def_from_callable(anything).description == "anything(x, /, y=1)"

    def only_sections(x: int) -> None:
        """Args:
        x: The x.
        """

    assert tool_def_from_callable(only_sections).description == "only_sections(x: int) -> None"


# -- output schemas -----------------------------------------------------------------------------


def test_output_schemas() -> None:
    def returns_dataclass() -> Address:
        raise NotImplementedError

    def returns_nothing() -> None:
        pass

    def returns_any() -> Any:
        pass

    def unannotated():  # type: ignore[no-untyped-def]
        pass

    def returns_unsupported() -> Connection:
        raise NotImplementedError

    def returns_list() -> list[Person]:
        return []

    def returns_decimal() -> decimal.Decimal:
        return decimal.Decimal(1)

    out = tool_def_from_callable(returns_dataclass).output_schema
    assert out is not None
    assert out["required"] == ["street", "city", "country", "tags"]
    assert "$defs" not in out and "default" not in json.dumps(out)
    assert tool_def_from_callable(returns_nothing).output_schema == {"type": "null"}
    assert tool_def_from_callable(returns_any).output_schema is None
    assert tool_def_from_callable(unannotated).output_schema is None
    assert tool_def_from_callable(returns_unsupported).output_schema is None
    listed = tool_def_from_callable(returns_list).output_schema
    assert (
        listed is not None
        and listed["items"] == {"$ref": "#/$defs/Person"}
        and sorted(listed["$defs"]) == ["Address", "Person"]
    )
    assert tool_def_from_callable(returns_decimal).output_schema == {"type": "string"}
    recursive = tool_def_from_callable(seen_tree).output_schema
    assert recursive is not None and recursive["$ref"] == "#/$defs/TreeNode"
    value = Person("Ann", Address("s"))
    jsonschema.Draft202012Validator.check_schema(listed)
    jsonschema.validate(to_json([value]), listed)


def test_output_schema_of_pydantic_model_uses_serialization_mode() -> None:
    def f() -> Owner:
        return Owner(pets=[Pet(name="Rex")])

    tool = tool_def_from_callable(f)
    assert tool.output_schema is not None
    jsonschema.Draft202012Validator.check_schema(tool.output_schema)
    jsonschema.validate(to_json(f()), tool.output_schema)
    assert "title" not in json.dumps(tool.output_schema)


# -- async --------------------------------------------------------------------------------------


def test_async_detection_and_handlers() -> None:
    async def fetch(url: str) -> str:
        return url.upper()

    def sync(url: str) -> str:
        return url

    for fn in (fetch, functools.partial(fetch), AsyncAdder(), functools.partial(AsyncAdder())):
        assert tool_def_from_callable(fn, name="t").is_async
    assert not tool_def_from_callable(sync).is_async
    tool = tool_def_from_callable(fetch)
    assert asyncio.run(tool.handler({"url": "x"})) == "X"
    assert asyncio.run(tool_def_from_callable(AsyncAdder(), name="inc").handler({"x": 1})) == 2


def test_async_handler_reports_bad_arguments() -> None:
    async def f(n: int) -> int:
        return n

    handler = tool_def_from_callable(f).handler
    with pytest.raises(TypeError, match="expected an integer"):
        asyncio.run(handler({"n": "x"}))


# -- to_json ------------------------------------------------------------------------------------


def test_to_json_plain_values() -> None:
    value = {"a": [1, 2.5, "s", True, None], "b": {"c": (1, 2)}}
    assert to_json(value) == {"a": [1, 2.5, "s", True, None], "b": {"c": [1, 2]}}


def test_to_json_rich_values() -> None:
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    value = {
        "color": Color.RED,
        "level": Level.HIGH,
        "when": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
        "day": dt.date(2024, 1, 2),
        "at": dt.time(10, 30),
        "wait": dt.timedelta(minutes=1, milliseconds=500),
        "id": key,
        "price": decimal.Decimal("12.50"),
        "path": pathlib.PurePosixPath("/tmp/x"),
        "ip": ipaddress.ip_address("::1"),
        "raw": b"hi",
        "tags": {"b", "a", "c"},
        "frozen": frozenset({3, 1}),
        "address": Address("s"),
        "point": Point(1.0, 2.0),
        "pet": Pet(name="Rex"),
        "aliased": Aliased(**{"from": 1}),
        "deque": collections.deque([1]),
        "range": range(2),
    }
    assert to_json(value) == {
        "color": "red",
        "level": 2,
        "when": "2024-01-02T03:04:05+00:00",
        "day": "2024-01-02",
        "at": "10:30:00",
        "wait": 60.5,
        "id": str(key),
        "price": "12.50",
        "path": "/tmp/x",
        "ip": "::1",
        "raw": "aGk=",
        "tags": ["a", "b", "c"],
        "frozen": [1, 3],
        "address": {"street": "s", "city": "Paris", "country": "FR", "tags": []},
        "point": {"x": 1.0, "y": 2.0},
        "pet": {"name": "Rex", "kind": "cat", "owner_name": None},
        "aliased": {"from": 1},
        "deque": [1],
        "range": [0, 1],
    }
    assert type(to_json(Level.HIGH)) is int
    assert json.dumps(to_json(value))


def test_to_json_keys() -> None:
    assert to_json(
        {1: "a", 2.5: "b", False: "c", None: "d", Color.GREEN: "e", Level.HIGH: "f"}
    ) == {
        "1": "a",
        "2.5": "b",
        "false": "c",
        "null": "d",
        "green": "e",
        "2": "f",
    }
    with pytest.raises(TypeError, match=r"value\[\(1, 2\)\]|dict key of type tuple"):
        to_json({(1, 2): "x"})


def test_to_json_sets_are_sorted_even_when_mixed() -> None:
    assert to_json({3, 1, 2}) == [1, 2, 3]
    assert to_json({3, "a", 1}) == ["a", 1, 3]


def test_to_json_rejects_nan_and_infinity() -> None:
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="not valid JSON.*return None or a string"):
            to_json({"x": [bad]})
    with pytest.raises(ValueError, match=r"value\['x'\]\[0\]"):
        to_json({"x": [math.nan]})


def test_to_json_rejects_unknown_types_with_their_place() -> None:
    with pytest.raises(
        TypeError, match=r"^to_json\(\): value\['a'\]\[1\]: a Connection has no JSON form; hint"
    ):
        to_json({"a": [1, Connection()]})
    with pytest.raises(TypeError, match=r"to_json\(\): the value: a generator has no JSON form"):
        to_json(x for x in [])


def test_to_json_explains_unawaited_coroutines() -> None:
    async def f() -> int:
        return 1

    coroutine = f()
    with pytest.raises(TypeError, match="async def"):
        to_json(coroutine)
    coroutine.close()


def test_to_json_rejects_cycles() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        to_json(loop)
    shared = [1]
    assert to_json([shared, shared]) == [[1], [1]]


# -- import cost --------------------------------------------------------------------------------


def test_import_and_plain_tools_do_not_load_pydantic() -> None:
    code = textwrap.dedent(
        """
        import sys
        import airlock._schema as s
        before = set(sys.modules)
        def f(a: int, b: list[str] | None = None) -> dict:
            return {}
        s.tool_def_from_callable(f)
        s.to_json({"a": (1, 2)})
        assert not [m for m in sys.modules if m.startswith("pydantic")], "pydantic was imported"
        new = {m.split(".")[0] for m in set(sys.modules) - before}
        assert not new & {"decimal", "uuid", "ipaddress"}, new
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
