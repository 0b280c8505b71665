"""Python callables as tools: JSON Schema from type hints and docstrings, JSON arguments back
into Python values, and results into JSON.

:func:`tool_def_from_callable` reads a function's signature, type hints and docstring and
returns a :class:`~airlock.ToolDef`: its ``input_schema`` is a JSON Schema object with one
property per parameter, and its handler turns the JSON arguments of a call back into the
annotated types before calling the function. :func:`to_json` turns what a tool returns into
JSON.

Parameters
----------
Every parameter becomes a property of the arguments object. A parameter with a default is
optional, and its default is shown as ``"default"`` when it has a JSON form; one without is
``required``. Other keys are rejected (``"additionalProperties": false``). A parameter whose
default is ``None`` also accepts ``null``, whatever its annotation says. Parameters already
bound by :func:`functools.partial` are left out, and so is ``self`` of a bound method (bind
things a script must not choose, a database connection say, with a partial). Positional-only
and keyword-only parameters both work; ``*args`` and ``**kwargs`` cannot be filled from named
JSON arguments and raise :class:`TypeError`. A class works too: its constructor is the tool.

The sandbox checks each call's arguments against the schema before the handler runs; called
directly with arguments that do not fit, the handler raises :class:`TypeError` (a wrong JSON
type, a missing or unknown argument) or :class:`ValueError` (a malformed date, UUID, base64...)
naming the argument: ``get_weather(): argument 'days': expected an integer, got string '3'``.

Types
-----
The schema uses the JSON Schema 2020-12 vocabulary, with shapes that older drafts read the
same way. Converting back is what the handler does to each JSON value before the call.

- ``str``, ``int``, ``float``, ``bool``: ``"string"``, ``"integer"``, ``"number"``,
  ``"boolean"``. An integral number such as ``3.0`` arrives as ``int``, any number as
  ``float``. Subclasses (and ``typing.NewType``) are built from the plain value.
- ``None``: ``{"type": "null"}``. No annotation, ``Any`` or ``object``: ``{}``, any JSON value,
  passed as it is.
- ``bytes``, ``bytearray``: a standard base64 string with padding
  (``"contentEncoding": "base64"`` and a ``pattern`` that says so), decoded before the call.
- ``list[T]``, ``Sequence[T]``, ``Iterable[T]``, ``deque[T]``: ``{"type": "array", "items":
  T}``. ``set[T]``, ``frozenset[T]``: the same with ``"uniqueItems": true``.
- ``tuple[A, B]``: ``prefixItems`` with ``minItems`` and ``maxItems`` equal to its length;
  ``tuple[T, ...]`` is an array of ``T``. Both arrive as tuples.
- ``dict[K, V]``, ``Mapping[K, V]``: ``{"type": "object", "additionalProperties": V}``. JSON
  keys are strings: ``K`` may be ``str``, ``int`` (digits), an ``Enum`` or ``Literal``, or a
  type written as a string (``UUID``, ``date``...); ``propertyNames`` says which strings.
- ``Literal[...]``: ``const`` for one value, ``enum`` for several. ``Enum`` subclasses:
  ``{"enum": [member values]}``; the member arrives.
- ``X | None``, ``Optional[X]``, ``Union[A, B]``: ``anyOf``. Converting tries the members in
  the order written and keeps the first that fits (``Union[int, float]`` gives ``3`` as an
  ``int`` and ``3.5`` as a ``float``).
- ``datetime``, ``date``, ``time``: ISO 8601 strings with ``"format"`` ``date-time``, ``date``,
  ``time``. ``timedelta``: a number of seconds. ``UUID``: ``"format": "uuid"``. ``Decimal``: a
  number or a decimal string (a result is a string, so no digit is lost). ``Path`` and other
  ``PurePath`` classes: ``"format": "path"``. ``IPv4Address``, ``IPv6Address``: ``ipv4``,
  ``ipv6``; IP networks and interfaces: strings.
- A dataclass: an object whose required properties are the fields without a default, no other
  keys; built by calling the class. A ``TypedDict``: an object whose required keys follow
  ``total=``, ``Required`` and ``NotRequired``; it stays a ``dict``. A ``NamedTuple``: an
  object keyed by field name. A pydantic v2 ``BaseModel``: its ``model_json_schema()``, built
  with ``model_validate``; other types pydantic knows (``EmailStr``, ``HttpUrl``...) go through
  ``pydantic.TypeAdapter``. Generic dataclasses, TypedDicts and NamedTuples (``Box[int]``)
  work.
- ``Annotated[T, "text"]`` describes ``T``. ``Annotated[T, pydantic.Field(...)]`` (or a
  ``Field(...)`` as the default) adds its description, title, examples, constraints (``ge``,
  ``max_length``, ``pattern``...) and, for a parameter, its default, default factory and alias;
  its validators run after the conversion. ``annotated_types`` constraints (``Gt``, ``Len``...)
  become the matching keywords.

Classes with a name (dataclasses, TypedDicts, NamedTuples, enums, pydantic models, type
aliases made with ``type X = ...``) are defined once under ``"$defs"`` and used through
``{"$ref": "#/$defs/Name"}``, so recursive types work and the generated TypeScript names them.
A pydantic model's own ``$defs`` are folded into the same ``"$defs"``, renamed when two
different types share a name, and the titles pydantic derives from names are dropped, so each
schema is self-contained. A class's docstring is its description; per-field descriptions come
from its ``Attributes``/``Args`` section, ``Annotated`` text or
``dataclasses.field(metadata={"description": ...})``.

Any other type raises :class:`TypeError` naming the function, the parameter and the type.

Descriptions
------------
The tool's description is the docstring's prose before its first section (for the usual
docstring, its first paragraph), cleaned with :func:`inspect.cleandoc`. A function without one
is described by its name and signature, ``add(a: int, b: int) -> int``. Parameter descriptions
come from Google style (``Args:``, ``Arguments:``, ``Parameters:``), NumPy style
(``Parameters`` underlined with dashes), reST (``:param x: ...``) and epydoc (``@param x:``)
sections, continuation lines included; ``Annotated`` text wins over the docstring. The
``Returns`` section describes the output schema, never the tool.

Results
-------
The output schema comes from the return annotation when it maps (with the result forms below:
a dataclass's every field is required, a ``Decimal`` is a string); a function annotated
``-> Any`` or not at all has none. :func:`to_json` turns a result into JSON: ``dict`` and other
mappings (keys become strings as :func:`json.dumps` writes them; ``Enum`` keys by value), lists,
tuples and other sequences (lists), sets (sorted lists, so runs replay the same), dataclasses
and NamedTuples (objects), pydantic models (``model_dump(mode="json", by_alias=True)``),
``Enum`` (its value), ``datetime``/``date``/``time`` (``isoformat()``), ``timedelta``
(seconds), ``UUID``, ``Decimal``, paths and IP addresses (strings), ``bytes`` (base64), NumPy
values (``tolist()``). A float NaN or infinity raises :class:`ValueError`, since JSON has
neither: return ``None`` or a string instead. Anything else raises :class:`TypeError` naming
the type and where it sits in the result.

Async functions (``async def``, an object whose ``__call__`` is one, or a
:func:`functools.partial` of either) get an async handler and ``is_async=True``.
"""

from __future__ import annotations

import collections.abc
import math
import sys
import types
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import inspect
    from collections.abc import Iterable, Iterator
    from typing import TypeAlias

    from ._tools import ToolDef

    JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"

__all__ = ["to_json", "tool_def_from_callable"]

Schema = dict[str, Any]
Convert = Callable[[Any], Any]

_REF_PREFIX = "#/$defs/"
_NAME_HINT = (
    "segments of letters, digits, '_' and '-' separated by '/', "
    "e.g. 'get_weather' or 'bank/transfer'"
)
_TYPES_HINT = (
    "hint: annotate it with a JSON type (str, int, float, bool, list, dict), a dataclass, "
    "TypedDict, NamedTuple, Enum, Literal or pydantic model, or typing.Any for the raw JSON "
    "value; or bind it with functools.partial so that scripts do not pass it"
)
_BASE64_PATTERN = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
_DECIMAL_PATTERN = r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$"
_ANNOTATION_KEYS = ("title", "description", "default", "examples", "deprecated")


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


# ---------------------------------------------------------------------------------------------
# The public entry points


def tool_def_from_callable(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> ToolDef:
    """A :class:`~airlock.ToolDef` for ``fn``: its name (``fn.__name__`` unless given), its
    description and input schema from its docstring and type hints, an output schema from its
    return annotation, and a handler that converts a call's JSON arguments to the annotated
    types and calls ``fn``. Raises :class:`TypeError` when a parameter cannot be filled from
    JSON and :class:`ValueError` for an invalid name or timeout."""
    import inspect

    from ._tools import ToolDef

    if not callable(fn):
        raise TypeError(f"cannot make a tool of {fn!r}: it is not callable")
    inner = _unpartial(fn)
    label = f"{getattr(inner, '__qualname__', None) or type(inner).__qualname__}()"
    tool_name = _tool_name(inner, name)
    if inspect.isgeneratorfunction(inner) or inspect.isasyncgenfunction(inner):
        raise TypeError(
            f"{label} is a generator function, and a tool returns one JSON result; "
            "hint: collect the items and return a list"
        )
    hints = _hints(inner, label)
    doc = _parse_doc(_docstring(inner))
    params = _params(_signature(fn, label), hints, doc, _partial_keywords(fn), label)
    builder = _Builder(output=False)
    try:
        input_schema, binder = builder.function(params)
    except _Unsupported as e:
        raise e.error(label) from None
    output_schema = _output_schema(hints.get("return", _MISSING), doc.returns)
    if description is None:
        description = doc.description or _signature_text(
            tool_name, params, hints.get("return", _MISSING)
        )
    is_async = _is_async(inner)
    return ToolDef(
        name=tool_name,
        description=description,
        input_schema=input_schema,
        handler=_handler(fn, binder, label, is_async),
        is_async=is_async,
        timeout=_timeout(timeout, label),
        output_schema=output_schema,
    )


def to_json(value: object) -> JSON:
    """``value`` as JSON: ``dict`` (string keys), ``list``, ``str``, ``int``, ``float``, ``bool``
    or ``None``. See the module documentation for the types it converts. Raises
    :class:`TypeError` for a value with no JSON form and :class:`ValueError` for a NaN or
    infinite float or a container that contains itself."""
    try:
        result: JSON = _to_json(value, set())
    except _NotJSON as e:
        raise e.error() from None
    return result


# ---------------------------------------------------------------------------------------------
# Reading the callable


def _unpartial(fn: Any) -> Any:
    import functools

    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn


def _partial_keywords(fn: Any) -> set[str]:
    import functools

    bound: set[str] = set()
    while isinstance(fn, functools.partial):
        bound.update(fn.keywords)
        fn = fn.func
    return bound


def _tool_name(inner: Any, name: str | None) -> str:
    import re

    if name is None:
        name = getattr(inner, "__name__", None) or type(inner).__name__
        if name == "<lambda>":
            raise TypeError(
                "a lambda has no name to call it by; hint: pass name=..., e.g. name='add'"
            )
    if not isinstance(name, str) or not re.fullmatch(
        r"[A-Za-z_][\w-]*(?:/[A-Za-z_][\w-]*)*", name, re.ASCII
    ):
        raise ValueError(f"invalid tool name {name!r}: a tool name is {_NAME_HINT}")
    return name


def _hints(inner: Any, label: str) -> dict[str, Any]:
    import inspect

    if inspect.isclass(inner):
        target = inner.__init__
    elif inspect.isroutine(inner):
        target = inner
    else:
        target = type(inner).__call__
    try:
        hints = typing.get_type_hints(target, include_extras=True)
    except Exception as e:
        raise TypeError(
            f"{label}: cannot resolve its type annotations ({type(e).__name__}: {e}); hint: "
            "annotations written as strings must name types importable from the function's module"
        ) from e
    return {**hints, "return": inner} if inspect.isclass(inner) else hints


def _docstring(inner: Any) -> str | None:
    import inspect

    if inspect.isroutine(inner) or inspect.isclass(inner):
        return inspect.getdoc(inner)
    return inspect.getdoc(type(inner)) or inspect.getdoc(type(inner).__call__)


def _signature(fn: Any, label: str) -> inspect.Signature:
    import inspect

    try:
        return inspect.signature(fn)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{label}: cannot read its signature ({e}); hint: wrap it in a def") from e


def _is_async(inner: Any) -> bool:
    import inspect

    if inspect.iscoroutinefunction(inner):
        return True
    if inspect.isroutine(inner) or inspect.isclass(inner):
        return False
    return inspect.iscoroutinefunction(type(inner).__call__)


def _timeout(timeout: float | None, label: str) -> float | None:
    if timeout is None:
        return None
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 0 < timeout < math.inf
    ):
        raise ValueError(f"{label}: timeout must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


class _Param(NamedTuple):
    """One property of an arguments object (or of a dataclass, TypedDict, NamedTuple)."""

    name: str
    key: str
    annotation: Any
    required: bool
    default: Any = _MISSING
    fill: Callable[[], Any] | None = None
    doc: str | None = None
    positional: bool = False
    keyword_only: bool = False


def _params(
    signature: inspect.Signature,
    hints: dict[str, Any],
    doc: _Doc,
    bound: set[str],
    label: str,
) -> list[_Param]:
    import inspect

    params = []
    for p in signature.parameters.values():
        if p.name in bound:
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            stars = "*" if p.kind is p.VAR_POSITIONAL else "**"
            raise TypeError(
                f"{label}: parameter '{stars}{p.name}' cannot be filled from the named JSON "
                "arguments of a tool call; hint: declare each argument as its own parameter, "
                "or take one dict, TypedDict or dataclass parameter"
            )
        annotation = hints.get(p.name, p.annotation if p.annotation is not p.empty else _MISSING)
        default = _MISSING if p.default is inspect.Parameter.empty else p.default
        params.append(_param(p.name, annotation, default, doc.params.get(p.name), p.kind))
    return params


def _param(name: str, annotation: Any, default: Any, doc: str | None, kind: Any) -> _Param:
    import inspect

    field_info = default if _is_field_info(default) else None
    if field_info is not None:
        annotation = typing.Annotated[Any if annotation is _MISSING else annotation, field_info]
        default = _MISSING
    else:
        field_info = next((m for m in reversed(_metadata(annotation)) if _is_field_info(m)), None)
    key, fill = name, None
    if field_info is not None:
        alias = (
            field_info.validation_alias
            if isinstance(field_info.validation_alias, str)
            else field_info.alias
        )
        key = alias or name
        if default is _MISSING and not field_info.is_required():
            fill = _field_default(field_info)
            if field_info.default_factory is None:
                default = field_info.default
    return _Param(
        name=name,
        key=key,
        annotation=annotation,
        required=default is _MISSING and fill is None,
        default=default,
        fill=fill,
        doc=doc,
        positional=kind is inspect.Parameter.POSITIONAL_ONLY,
        keyword_only=kind is inspect.Parameter.KEYWORD_ONLY,
    )


def _field_default(field_info: Any) -> Callable[[], Any]:
    return lambda: field_info.get_default(call_default_factory=True)


def _signature_text(name: str, params: list[_Param], returns: Any) -> str:
    parts: list[str] = []
    for i, p in enumerate(params):
        if p.keyword_only and (i == 0 or not params[i - 1].keyword_only):
            parts.append("*")
        text = p.name if p.annotation is _MISSING else f"{p.name}: {_type_text(p.annotation)}"
        if p.default is not _MISSING:
            text += f"{' = ' if p.annotation is not _MISSING else '='}{p.default!r}"
        parts.append(text)
        if p.positional and (i + 1 == len(params) or not params[i + 1].positional):
            parts.append("/")
    arrow = "" if returns is _MISSING else f" -> {_type_text(returns)}"
    return f"{name}({', '.join(parts)}){arrow}"


def _type_text(tp: Any) -> str:
    """How a type reads in a message or a signature: ``list[Point] | None``."""
    if tp is type(None) or tp is None:
        return "None"
    if tp is Ellipsis:
        return "..."
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        return _type_text(args[0])
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(_type_text(a) for a in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is not None:
        head = _type_text(origin)
        return f"{head}[{', '.join(_type_text(a) for a in args)}]" if args else head
    if isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace("typing.", "")


def _handler(
    fn: Callable[..., Any], binder: _Binder, label: str, is_async: bool
) -> Callable[[dict[str, Any]], Any]:
    def bind(args: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        try:
            return binder(args)
        except _Invalid as e:
            raise e.error(label) from None

    if is_async:

        async def async_handler(args: dict[str, Any]) -> Any:
            positional, keywords = bind(args)
            return await fn(*positional, **keywords)

        return async_handler

    def handler(args: dict[str, Any]) -> Any:
        positional, keywords = bind(args)
        return fn(*positional, **keywords)

    return handler


def _output_schema(annotation: Any, description: str | None) -> Schema | None:
    if annotation is _MISSING or annotation is Any or annotation is object:
        return None
    if typing.get_origin(annotation) in (collections.abc.Awaitable, collections.abc.Coroutine):
        annotation = typing.get_args(annotation)[-1]
    builder = _Builder(output=True)
    try:
        schema, _ = builder.build(annotation)
    except _Unsupported:
        return None
    schema = builder.document(schema)
    if description and "description" not in schema:
        schema = {"description": description, **schema}
    return schema


# ---------------------------------------------------------------------------------------------
# Docstrings


class _Doc(NamedTuple):
    description: str
    params: dict[str, str]
    returns: str | None


_EMPTY_DOC = _Doc("", {}, None)
_PARAM_SECTIONS = frozenset(
    "args,arguments,parameters,params,keyword args,keyword arguments,other parameters,"
    "attributes".split(",")
)
_RETURN_SECTIONS = frozenset({"returns", "return"})
_GOOGLE_SECTIONS = (
    _PARAM_SECTIONS
    | _RETURN_SECTIONS
    | frozenset(
        "yields,yield,raises,raise,except,exceptions,warns,warning,warnings,example,examples,"
        "note,notes,see also,references,todo,methods,attention,caution,danger,error,hint,"
        "important,tip,receives".split(",")
    )
)
_PARAM_FIELDS = frozenset("param,parameter,arg,argument,key,keyword,ivar,var".split(","))
_RETURN_FIELDS = frozenset({"returns", "return"})


def _parse_doc(doc: str | None) -> _Doc:
    """The description, parameter descriptions and returns description of a docstring."""
    import inspect

    if not doc:
        return _EMPTY_DOC
    sections = _sections(inspect.cleandoc(doc).splitlines())
    params: dict[str, str] = {}
    returns: list[str] = []
    for style, title, body in sections[1:]:
        if style == "google" and title in _PARAM_SECTIONS:
            params.update(_google_entries(body))
        elif style == "numpy" and title in _PARAM_SECTIONS:
            params.update(_numpy_entries(body))
        elif style == "field" and title in _PARAM_FIELDS:
            name, text = _field_entry(body)
            params[name] = text
        elif style == "google" and title in _RETURN_SECTIONS:
            returns.append(_google_returns(body))
        elif style == "numpy" and title in _RETURN_SECTIONS:
            returns.extend(_numpy_entries(body, keep_unnamed=True).values())
        elif style == "field" and title in _RETURN_FIELDS:
            returns.append(_field_entry(body)[1])
    text = "\n".join(sections[0][2]).strip()
    return _Doc(
        text, {k: v for k, v in params.items() if v}, "\n".join(r for r in returns if r) or None
    )


def _sections(lines: list[str]) -> list[tuple[str, str, list[str]]]:
    """The docstring cut into ``(style, title, body)``: first the prose, then each Google
    section, NumPy section and reST/epydoc field; trailing prose is dropped."""
    import re

    sections: list[tuple[str, str, list[str]]] = [("prose", "", [])]
    i = 0
    while i < len(lines):
        line = lines[i]
        top = bool(line.strip()) and not line[0].isspace()
        google = re.fullmatch(r"([A-Za-z][A-Za-z ]*?)\s*:\s*", line) if top else None
        field = re.match(r"[:@](\w+)(?:\s+[^:]*)?:(?!:)", line) if top else None
        if top and i + 1 < len(lines) and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1]):
            sections.append(("numpy", line.strip().lower(), []))
            i += 2
            continue
        if google and google[1].lower() in _GOOGLE_SECTIONS:
            sections.append(("google", google[1].lower(), []))
        elif field:
            sections.append(("field", field[1].lower(), [line]))
        elif top and sections[-1][0] in ("google", "field"):
            sections.append(("trailing", "", []))
        else:
            sections[-1][2].append(line)
        i += 1
    return sections


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _google_entries(body: list[str]) -> dict[str, str]:
    import re

    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    base = min((_indent(line) for line in body if line.strip()), default=0)
    for line in body:
        match = None
        if line.strip() and _indent(line) == base:
            match = re.fullmatch(
                r"\*{0,2}([A-Za-z_]\w*)\s*(?:\(.*?\))?\s*:(?:\s+(.*))?\s*", line.strip()
            )
        if match:
            current = entries[match[1]] = [match[2] or ""]
        elif current is not None:
            current.append(line)
    return {name: _unwrap(chunk) for name, chunk in entries.items()}


def _numpy_entries(body: list[str], *, keep_unnamed: bool = False) -> dict[str, str]:
    import re

    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    base = min((_indent(line) for line in body if line.strip()), default=0)
    for line in body:
        if line.strip() and _indent(line) == base:
            head = line.strip()
            names = re.fullmatch(r"(\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(?::.*)?", head)
            if names is None or (keep_unnamed and ":" not in head):
                keys = [f"#{len(entries)}"]
            else:
                keys = [n.strip().lstrip("*") for n in names[1].split(",")]
            current = []
            for key in keys:
                entries[key] = current
        elif current is not None:
            current.append(line)
    return {name: _unwrap(chunk) for name, chunk in entries.items()}


def _field_entry(body: list[str]) -> tuple[str, str]:
    import re

    match = re.match(r"[:@]\w+(?:\s+([^:]*?))?\s*:(.*)", body[0])
    assert match is not None
    name = (match[1] or "").split()[-1:] or [""]
    return name[0].lstrip("*"), _unwrap([match[2], *body[1:]])


def _google_returns(body: list[str]) -> str:
    import re

    text = _unwrap(["", *body])
    typed = re.match(r"[\w.]+(?:\[[^\]]*\])?:\s+", text)
    return text[typed.end() :] if typed else text


def _unwrap(chunk: list[str]) -> str:
    """Entry text: its first line and the dedented lines after it, wrapped lines joined, blank
    lines and list items kept."""
    import re
    import textwrap

    rest = textwrap.dedent("\n".join(chunk[1:])).splitlines()
    out: list[str] = []
    for line in [chunk[0].strip(), *rest]:
        line = line.rstrip()
        if not line:
            if out and out[-1] != "":
                out.append("")
        elif out and out[-1] and not re.match(r"\s*(?:[-*+•]|\d+[.)])\s", line):
            out[-1] = f"{out[-1]} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out).strip()


def _class_doc(cls: type) -> _Doc:
    doc = cls.__dict__.get("__doc__")
    if not isinstance(doc, str) or doc == "An enumeration.":
        return _EMPTY_DOC
    if (
        doc.startswith(f"{cls.__name__}(")
        and "\n" not in doc.strip()
        and doc.rstrip().endswith(")")
    ):
        return _EMPTY_DOC
    return _parse_doc(doc)


# ---------------------------------------------------------------------------------------------
# Annotations -> JSON Schema and converters


class _Unsupported(Exception):
    """An annotation with no JSON form; ``trail`` says where it sits, innermost first."""

    def __init__(self, tp: Any, reason: str = "") -> None:
        super().__init__(tp)
        self.tp = tp
        self.reason = reason
        self.trail: list[str] = []

    def error(self, label: str) -> TypeError:
        where = ", ".join(reversed(self.trail))
        reason = self.reason or f"type {_type_text(self.tp)} has no JSON form"
        return TypeError(f"{label}: {where}: {reason}; {_TYPES_HINT}")


class _Invalid(Exception):
    """A JSON value that does not fit its annotation; ``path`` leads to it."""

    def __init__(self, message: str, *, wrong_type: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.wrong_type = wrong_type
        self.path: list[str | int] = []

    def at(self, key: str | int) -> _Invalid:
        self.path.insert(0, key)
        return self

    def error(self, label: str) -> Exception:
        kind = TypeError if self.wrong_type else ValueError
        if not self.path:
            return kind(f"{label}: {self.message}")
        first, *rest = self.path
        where = f"{first}" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in rest)
        return kind(f"{label}: argument '{where}': {self.message}")


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{_json_type(value) or type(value).__name__} {text}"


def _json_type(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for cls, name in (
        (int, "integer"),
        (float, "number"),
        (str, "string"),
        (list, "array"),
        (dict, "object"),
    ):
        if isinstance(value, cls):
            return name
    return None


def _loaded(module: str, name: str) -> Any:
    """``module.name`` when ``module`` is imported already: a value of a type from a module
    that was never imported cannot exist, so this never imports anything."""
    mod = sys.modules.get(module)
    return getattr(mod, name, None) if mod is not None else None


def _subclass(tp: Any, module: str, name: str) -> bool:
    cls = _loaded(module, name)
    return cls is not None and isinstance(tp, type) and issubclass(tp, cls)


def _is_field_info(obj: Any) -> bool:
    cls = _loaded("pydantic.fields", "FieldInfo")
    return cls is not None and isinstance(obj, cls)


def _is_pydantic_model(tp: Any) -> bool:
    return _subclass(tp, "pydantic.main", "BaseModel")


def _metadata(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp)[1:] if typing.get_origin(tp) is typing.Annotated else ()


def _strip(tp: Any) -> Any:
    """``tp`` without ``Annotated``, ``NewType`` and ``Required``-like wrappers."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated or getattr(origin, "_name", None) in _WRAPPERS:
            tp = typing.get_args(tp)[0]
        elif hasattr(tp, "__supertype__"):
            tp = tp.__supertype__
        else:
            return tp


_WRAPPERS = frozenset({"Required", "NotRequired", "ReadOnly", "Final", "ClassVar"})


def _accepts_null(tp: Any) -> bool:
    tp = _strip(tp)
    if tp in (_MISSING, Any, object, None, type(None)):
        return True
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        return any(_accepts_null(a) for a in typing.get_args(tp))
    return origin is typing.Literal and None in typing.get_args(tp)


def _nullable(schema: Schema) -> Schema:
    """``schema`` or ``null``, with its annotations kept on the outside."""
    outer = {k: schema[k] for k in _ANNOTATION_KEYS if k in schema}
    inner = {k: v for k, v in schema.items() if k not in outer}
    return {"anyOf": [inner, {"type": "null"}], **outer} if inner else dict(schema)


def _ref(name: str) -> Schema:
    return {"$ref": _REF_PREFIX + name}


def _ref_target(schema: Schema) -> str:
    """The ``$defs`` name that a schema made of a local ``$ref`` alone points to, else ``""``."""
    ref = schema.get("$ref")
    if len(schema) == 1 and isinstance(ref, str) and ref.startswith(_REF_PREFIX):
        return ref[len(_REF_PREFIX) :]
    return ""


def _safe_name(text: str) -> str:
    """``text`` as a ``$defs`` name, as pydantic writes them: ``Page[int]`` -> ``Page_int_``."""
    import re

    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _def_name(tp: Any) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is not None:
        text = f"{_def_name(origin)}_{'_'.join(_def_name(a) for a in args)}_"
    else:
        text = getattr(tp, "__name__", None) or _type_text(tp)
    return _safe_name(text) or "Type"


def _identity(value: Any) -> Any:
    return value


class _Builder:
    """JSON Schema for annotations (of arguments, or of a result when ``output``), with their
    named types collected in ``defs``, and converters from JSON to each annotated type."""

    def __init__(self, *, output: bool) -> None:
        self.output = output
        self.defs: dict[str, Schema] = {}
        self._names: dict[Any, str] = {}
        self._converters: dict[Any, Convert] = {}

    # -- documents

    def function(self, params: list[_Param]) -> tuple[Schema, _Binder]:
        schema, fields = self._object(params, closed=True, where="parameter '{}'")
        return self.document(schema), _Binder(fields, closed=True, what="argument")

    def document(self, schema: Schema) -> Schema:
        """``schema`` with the ``$defs`` it refers to, a root that only refers to a definition
        used nowhere else replaced by that definition."""
        if not self.defs:
            return schema
        target = _ref_target(schema)
        if target in self.defs and target not in _references(self.defs):
            schema = self.defs.pop(target)
        return {**schema, "$defs": self.defs} if self.defs else schema

    # -- dispatch

    def build(self, tp: Any) -> tuple[Schema, Convert]:
        if tp is _MISSING or tp is Any or tp is object:
            return {}, _identity
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Annotated:
            return self._annotated(tp, args[0], args[1:])
        if getattr(origin, "_name", None) in _WRAPPERS:
            return self.build(args[0])
        if origin is typing.Union or origin is types.UnionType:
            return self._union(args)
        if origin is typing.Literal:
            return self._literal(args)
        if origin is not None:
            return self._generic(tp, origin, args)
        if isinstance(tp, typing.TypeVar):
            return self._typevar(tp)
        if tp is None or tp is type(None):
            return {"type": "null"}, _expect_null
        if isinstance(tp, (str, typing.ForwardRef)):
            raise _Unsupported(
                tp,
                f"the forward reference {tp!r} is not resolved; define that type at module level",
            )
        if hasattr(tp, "__supertype__"):
            return self.build(tp.__supertype__)
        if type(tp).__name__ == "TypeAliasType":
            return self._named(tp, tp.__name__, lambda: self.build(_alias_value(tp)))
        if isinstance(tp, type):
            return self._class(tp)
        raise _Unsupported(tp)

    def _class(self, tp: type) -> tuple[Schema, Convert]:
        if tp is bool:
            return {"type": "boolean"}, _to_bool
        if _subclass(tp, "enum", "Enum"):
            return self._named(tp, _def_name(tp), lambda: _enum(tp))
        if _is_pydantic_model(tp):
            return self._pydantic_model(tp)
        for base, kind in ((str, "string"), (int, "integer"), (float, "number")):
            if issubclass(tp, base):
                return {"type": kind}, _SCALARS[kind] if tp is base else _then(_SCALARS[kind], tp)
        if issubclass(tp, (bytes, bytearray)):
            return {
                "type": "string",
                "contentEncoding": "base64",
                "pattern": _BASE64_PATTERN,
            }, _from_base64(tp)
        stdlib = self._stdlib(tp)
        if stdlib is not None:
            return stdlib
        if hasattr(tp, "__dataclass_fields__"):
            return self._named(tp, _def_name(tp), lambda: self._dataclass(tp, tp, {}))
        if issubclass(tp, dict) and hasattr(tp, "__required_keys__"):
            return self._named(tp, _def_name(tp), lambda: self._typeddict(tp, {}))
        if issubclass(tp, tuple) and hasattr(tp, "_fields"):
            return self._named(tp, _def_name(tp), lambda: self._namedtuple(tp, {}))
        if tp in _CONTAINERS:
            return self._generic(tp, tp, ())
        if hasattr(tp, "__get_pydantic_core_schema__"):
            return self._pydantic_type(tp)
        raise _Unsupported(tp)

    def _generic(self, tp: Any, origin: Any, args: tuple[Any, ...]) -> tuple[Schema, Convert]:
        if origin is tuple:
            return self._tuple(tp, args)
        kind = _CONTAINERS.get(origin)
        if kind == "array":
            return self._array(
                args[0] if args else Any, _CONSTRUCTORS.get(origin, list), unique=False
            )
        if kind == "set":
            return self._array(
                args[0] if args else Any, _CONSTRUCTORS.get(origin, set), unique=True
            )
        if kind == "object":
            key, value = args if len(args) == 2 else (Any, Any)
            return self._mapping(key, value, _CONSTRUCTORS.get(origin, dict))
        if isinstance(origin, type):
            params = getattr(origin, "__parameters__", ())
            tvars = dict(zip(params, args, strict=False))
            if hasattr(origin, "__dataclass_fields__"):
                return self._named(tp, _def_name(tp), lambda: self._dataclass(origin, tp, tvars))
            if issubclass(origin, dict) and hasattr(origin, "__required_keys__"):
                return self._named(tp, _def_name(tp), lambda: self._typeddict(origin, tvars))
            if issubclass(origin, tuple) and hasattr(origin, "_fields"):
                return self._named(tp, _def_name(tp), lambda: self._namedtuple(origin, tvars))
        if type(origin).__name__ == "TypeAliasType":
            tvars = dict(zip(origin.__type_params__, args, strict=False))
            return self.build(_substitute(_alias_value(origin), tvars))
        raise _Unsupported(tp)

    # -- named types

    def _named(
        self, key: Any, name: str, body: Callable[[], tuple[Schema, Convert]]
    ) -> tuple[Schema, Convert]:
        """A reference to the definition of a named type, made (once) by ``body``."""
        if key in self._names:
            return _ref(self._names[key]), self._converters[key]
        def_name = self._unique(name)
        self._names[key] = def_name
        self.defs[def_name] = {}
        later: list[Convert] = []
        self._converters[key] = lambda value: later[0](value)
        schema, convert = body()
        if def_name != name and schema and self.defs.get(name) == schema:
            del self.defs[def_name]
            def_name = self._names[key] = name
        self.defs[def_name] = schema
        later.append(convert)
        self._converters[key] = convert
        return _ref(def_name), convert

    def _unique(self, name: str) -> str:
        unique, n = name, 1
        while unique in self.defs:
            n += 1
            unique = f"{name}{n}"
        return unique

    def _dataclass(self, cls: type, tp: Any, tvars: dict[Any, Any]) -> tuple[Schema, Convert]:
        import dataclasses
        import inspect

        hints = _class_hints(cls, tvars)
        doc = _class_doc(cls)
        fields: dict[str, Any] = cls.__dataclass_fields__  # type: ignore[attr-defined]
        if self.output:
            names = [f.name for f in dataclasses.fields(cls)]
        else:
            names = list(inspect.signature(cls).parameters)
        params = []
        for name in names:
            f = fields.get(name)
            annotation = hints.get(name, _MISSING)
            annotation = (
                getattr(annotation, "type", annotation)
                if type(annotation).__name__ == "InitVar"
                else annotation
            )
            has_default = f is not None and (
                f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            )
            description = f.metadata.get("description") if f is not None else None
            params.append(
                _Param(
                    name=name,
                    key=name,
                    annotation=annotation,
                    required=self.output or not has_default,
                    default=f.default
                    if f is not None and f.default is not dataclasses.MISSING
                    else _MISSING,
                    doc=description if isinstance(description, str) else doc.params.get(name),
                )
            )
        schema, converters = self._object(
            params, closed=True, where=f"field '{{}}' of {_type_text(tp)}"
        )
        binder = _Binder(converters, closed=True, what="key")
        return _with_description(schema, doc.description), _construct(binder, cls)

    def _typeddict(self, cls: type, tvars: dict[Any, Any]) -> tuple[Schema, Convert]:
        hints = _class_hints(cls, tvars)
        doc = _class_doc(cls)
        required: frozenset[str] = cls.__required_keys__  # type: ignore[attr-defined]
        params = [
            _Param(
                name=name,
                key=name,
                annotation=tp,
                required=name in required,
                doc=doc.params.get(name),
            )
            for name, tp in hints.items()
        ]
        schema, converters = self._object(
            params, closed=False, where=f"key '{{}}' of {cls.__qualname__}"
        )
        binder = _Binder(converters, closed=False, what="key")
        return _with_description(schema, doc.description), lambda value: binder(value)[1]

    def _namedtuple(self, cls: type, tvars: dict[Any, Any]) -> tuple[Schema, Convert]:
        hints = _class_hints(cls, tvars)
        doc = _class_doc(cls)
        defaults: dict[str, Any] = cls._field_defaults  # type: ignore[attr-defined]
        params = [
            _Param(
                name=name,
                key=name,
                annotation=hints.get(name, _MISSING),
                required=self.output or name not in defaults,
                default=defaults.get(name, _MISSING),
                doc=doc.params.get(name),
            )
            for name in cls._fields  # type: ignore[attr-defined]
        ]
        schema, converters = self._object(
            params, closed=True, where=f"field '{{}}' of {cls.__qualname__}"
        )
        return _with_description(schema, doc.description), _construct(
            _Binder(converters, closed=True, what="key"), cls
        )

    def _object(
        self, params: list[_Param], *, closed: bool, where: str
    ) -> tuple[Schema, list[tuple[_Param, Convert]]]:
        properties: dict[str, Schema] = {}
        converters = []
        for p in params:
            try:
                schema, convert = self.build(p.annotation)
            except _Unsupported as e:
                e.trail.append(where.format(p.key))
                raise
            if p.default is None and not _accepts_null(p.annotation):
                schema, convert = _nullable(schema), _or_none(convert)
            properties[p.key] = self._property(schema, p)
            converters.append((p, convert))
        schema = {"type": "object", "properties": properties}
        required = [p.key for p in params if p.required]
        if required:
            schema["required"] = required
        if closed:
            schema["additionalProperties"] = False
        return schema, converters

    def _property(self, schema: Schema, p: _Param) -> Schema:
        prop = dict(schema)
        if p.doc and "description" not in prop:
            prop["description"] = p.doc
        default = _json_or_missing(p.default) if not self.output else _MISSING
        if default is not _MISSING:
            prop["default"] = default
        return prop

    # -- composite types

    def _annotated(self, tp: Any, base: Any, metadata: tuple[Any, ...]) -> tuple[Schema, Convert]:
        schema, convert = self.build(base)
        schema = dict(schema)
        for item in _flatten(metadata):
            _apply(schema, item)
        if not self.output and any(
            type(m).__module__.startswith("pydantic") for m in _flatten(metadata)
        ):
            convert = _pydantic_checked(tp, convert)
        return schema, convert

    def _union(self, args: tuple[Any, ...]) -> tuple[Schema, Convert]:
        members = [a for a in args if a is not type(None) and a is not None]
        built = [self.build(m) for m in members]
        schemas = [s for s, _ in built]
        if len(members) < len(args):
            schemas.append({"type": "null"})
        convert = built[0][1] if len(built) == 1 else _first_fit([c for _, c in built], members)
        if len(members) < len(args):
            convert = _or_none(convert)
        return ({"anyOf": schemas} if len(schemas) > 1 else schemas[0]), convert

    def _literal(self, args: tuple[Any, ...]) -> tuple[Schema, Convert]:
        pairs = [(_json_or_missing(value), value) for value in args]
        if any(j is _MISSING for j, _ in pairs):
            bad = ", ".join(repr(v) for j, v in pairs if j is _MISSING)
            raise _Unsupported(args, f"the Literal value {bad} has no JSON form")
        return _choice([j for j, _ in pairs]), _matcher(pairs)

    def _typevar(self, tv: Any) -> tuple[Schema, Convert]:
        if tv.__bound__ is not None:
            return self.build(tv.__bound__)
        if tv.__constraints__:
            return self._union(tv.__constraints__)
        return {}, _identity

    def _array(
        self, item: Any, make: Callable[[list[Any]], Any], *, unique: bool
    ) -> tuple[Schema, Convert]:
        item_schema, convert = self.build(item)
        schema: Schema = {"type": "array"}
        if item_schema:
            schema["items"] = item_schema
        if unique:
            schema["uniqueItems"] = True

        def convert_array(value: Any) -> Any:
            return make(_each(_expect_list(value), convert))

        return schema, convert_array

    def _tuple(self, tp: Any, args: tuple[Any, ...]) -> tuple[Schema, Convert]:
        if tp is tuple or (len(args) == 2 and args[1] is Ellipsis):
            return self._array(args[0] if args else Any, tuple, unique=False)
        built = [self.build(a) for a in args]
        schema: Schema = {"type": "array", "minItems": len(args), "maxItems": len(args)}
        if args:
            schema["prefixItems"] = [s for s, _ in built]
        converters = [c for _, c in built]

        def convert_tuple(value: Any) -> tuple[Any, ...]:
            items = _expect_list(value)
            if len(items) != len(converters):
                raise _Invalid(f"expected an array of {len(converters)} items, got {len(items)}")
            return tuple(_each(items, converters))

        return schema, convert_tuple

    def _mapping(
        self, key: Any, value: Any, make: Callable[[dict[Any, Any]], Any]
    ) -> tuple[Schema, Convert]:
        key_schema, convert_key = self._key(key)
        value_schema, convert_value = self.build(value)
        schema: Schema = {"type": "object"}
        if value_schema:
            schema["additionalProperties"] = value_schema
        if key_schema:
            schema["propertyNames"] = key_schema

        def convert_mapping(data: Any) -> Any:
            if not isinstance(data, dict):
                raise _Invalid(f"expected an object, got {_describe(data)}")
            out = {}
            for k, v in data.items():
                try:
                    out[convert_key(k)] = convert_value(v)
                except _Invalid as e:
                    raise e.at(k) from None
            return make(out)

        return schema, convert_mapping

    def _key(self, tp: Any) -> tuple[Schema, Convert]:
        tp = _strip(tp)
        if tp is Any or tp is object or tp is str or tp is _MISSING:
            return {}, _identity
        if tp is int:
            return {"pattern": "^-?[0-9]+$"}, _int_key
        if _subclass(tp, "enum", "Enum") or typing.get_origin(tp) is typing.Literal:
            members: Any = tp if isinstance(tp, type) else typing.get_args(tp)
            originals = list(members)
            pairs = [(_key_text(o), o) for o in originals]
            return {"enum": [k for k, _ in pairs]}, _matcher(pairs)
        schema, convert = self.build(tp)
        if schema.get("type") != "string":
            raise _Unsupported(
                tp,
                f"{_type_text(tp)} cannot be an object key: JSON keys are strings; "
                "use str, int, an Enum, a Literal or a type written as a string",
            )
        return {k: v for k, v in schema.items() if k in ("format", "pattern")}, convert

    # -- types from the standard library

    def _stdlib(self, tp: type) -> tuple[Schema, Convert] | None:
        for module, name, fmt in _ISO_TYPES:
            if _subclass(tp, module, name):
                return {"type": "string", "format": fmt}, _from_iso(tp, fmt)
        if _subclass(tp, "datetime", "timedelta"):
            return {"type": "number"}, _then(_to_float, lambda seconds: tp(seconds=seconds))
        if _subclass(tp, "decimal", "Decimal"):
            if self.output:
                return {"type": "string"}, _then(_to_str, tp)
            number_or_text: Schema = {
                "anyOf": [{"type": "number"}, {"type": "string", "pattern": _DECIMAL_PATTERN}]
            }
            return number_or_text, _to_decimal(tp)
        for module, name, fmt in _STRING_TYPES:
            if _subclass(tp, module, name):
                text: Schema = {"type": "string", "format": fmt} if fmt else {"type": "string"}
                return text, _parsed(tp, f"{name} string")
        return None

    # -- pydantic

    def _pydantic_model(self, tp: Any) -> tuple[Schema, Convert]:
        if tp in self._names:
            return _ref(self._names[tp]), self._converters[tp]
        mode = "serialization" if self.output else "validation"
        schema = tp.model_json_schema(
            by_alias=True, ref_template=_REF_PREFIX + "{model}", mode=mode
        )
        ref = self._fold(schema, tp, _def_name(tp))
        self._converters[tp] = tp.model_validate
        return ref, tp.model_validate

    def _pydantic_type(self, tp: Any) -> tuple[Schema, Convert]:
        from pydantic import TypeAdapter

        try:
            adapter: Any = TypeAdapter(tp)
            schema = adapter.json_schema(
                by_alias=True,
                ref_template=_REF_PREFIX + "{model}",
                mode="serialization" if self.output else "validation",
            )
        except Exception as e:
            raise _Unsupported(tp, f"pydantic cannot describe {_type_text(tp)} ({e})") from e
        return self._fold(schema, None, ""), adapter.validate_python

    def _fold(self, schema: Schema, key: Any, name: str) -> Schema:
        """Moves a pydantic schema's ``$defs`` into ``self.defs`` (renaming on a clash) and,
        for a model (``key``), its root too; returns the schema to use."""
        foreign: dict[str, Schema] = schema.pop("$defs", {})
        for def_name, sub in foreign.items():
            _drop_titles(sub, def_name)
        _drop_titles(schema, name)
        renames: dict[str, str] = {}
        for def_name, sub in foreign.items():
            if self.defs.get(def_name) == sub:
                renames[def_name] = def_name
            else:
                renames[def_name] = self._unique(def_name)
                self.defs[renames[def_name]] = sub
        for sub in (*foreign.values(), schema):
            _rename_refs(sub, renames)
        if key is None:
            return schema
        target = _ref_target(schema)
        if target not in self.defs:
            target = name if self.defs.get(name) == schema else self._unique(name)
            self.defs[target] = schema
        self._names[key] = target
        return _ref(target)


_CONTAINERS: dict[Any, str] = {
    list: "array",
    collections.abc.Sequence: "array",
    collections.abc.MutableSequence: "array",
    collections.abc.Iterable: "array",
    collections.abc.Collection: "array",
    collections.deque: "array",
    set: "set",
    frozenset: "set",
    collections.abc.Set: "set",
    collections.abc.MutableSet: "set",
    dict: "object",
    collections.abc.Mapping: "object",
    collections.abc.MutableMapping: "object",
    collections.OrderedDict: "object",
    tuple: "tuple",
}
_CONSTRUCTORS: dict[Any, Callable[[Any], Any]] = {
    collections.deque: collections.deque,
    frozenset: frozenset,
    collections.abc.Set: frozenset,
    collections.OrderedDict: collections.OrderedDict,
}
_ISO_TYPES = (
    ("datetime", "datetime", "date-time"),
    ("datetime", "date", "date"),
    ("datetime", "time", "time"),
)
_STRING_TYPES = (
    ("uuid", "UUID", "uuid"),
    ("pathlib", "PurePath", "path"),
    ("ipaddress", "IPv4Address", "ipv4"),
    ("ipaddress", "IPv6Address", "ipv6"),
    ("ipaddress", "IPv4Network", ""),
    ("ipaddress", "IPv6Network", ""),
    ("ipaddress", "IPv4Interface", ""),
    ("ipaddress", "IPv6Interface", ""),
)


def _class_hints(cls: type, tvars: dict[Any, Any]) -> dict[str, Any]:
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception as e:
        raise _Unsupported(
            cls,
            f"the annotations of {cls.__qualname__} cannot be resolved ({type(e).__name__}: {e})",
        ) from e
    return {name: _substitute(tp, tvars) for name, tp in hints.items()} if tvars else hints


def _alias_value(alias: Any) -> Any:
    """What a ``TypeAliasType`` stands for, a value written as a string resolved in its
    module."""
    value = alias.__value__
    if not isinstance(value, str):
        return value
    module = sys.modules.get(alias.__module__)
    holder = types.SimpleNamespace(
        __annotations__={"value": value}, __globals__=vars(module) if module else {}
    )
    try:
        return typing.get_type_hints(holder, include_extras=True)["value"]
    except Exception as e:
        raise _Unsupported(
            alias, f"the type alias {alias.__name__} cannot be resolved ({type(e).__name__}: {e})"
        ) from e


def _substitute(tp: Any, tvars: dict[Any, Any]) -> Any:
    if isinstance(tp, typing.TypeVar):
        return tvars.get(tp, tp)
    params = getattr(tp, "__parameters__", ())
    if params and not isinstance(tp, type):
        return tp[tuple(tvars.get(p, p) for p in params)]
    return tp


def _with_description(schema: Schema, description: str) -> Schema:
    """``schema`` with ``description`` after its ``type``."""
    if not description:
        return schema
    out = {"type": schema["type"]} if "type" in schema else {}
    out["description"] = description
    out.update(schema)
    return out


def _enum(tp: Any) -> tuple[Schema, Convert]:
    pairs = [(_to_json(member.value, set()), member) for member in tp]
    return _with_description(_choice([j for j, _ in pairs]), _class_doc(tp).description), _matcher(
        pairs
    )


def _choice(values: list[Any]) -> Schema:
    schema: Schema = {"const": values[0]} if len(values) == 1 else {"enum": values}
    kinds = {_json_type(v) for v in values}
    if len(kinds) == 1:
        schema = {"type": kinds.pop(), **schema}
    return schema


def _flatten(metadata: Iterable[Any]) -> Iterator[Any]:
    for item in metadata:
        if item is None:
            continue
        if getattr(item, "__is_annotated_types_grouped_metadata__", False) and not _is_field_info(
            item
        ):
            yield from _flatten(item)
        else:
            yield item
            if _is_field_info(item):
                yield from _flatten(item.metadata)


_NUMERIC = {
    "Gt": ("gt", "exclusiveMinimum"),
    "Ge": ("ge", "minimum"),
    "Lt": ("lt", "exclusiveMaximum"),
    "Le": ("le", "maximum"),
    "MultipleOf": ("multiple_of", "multipleOf"),
}
_LENGTHS = {
    "string": ("minLength", "maxLength"),
    "array": ("minItems", "maxItems"),
    "object": ("minProperties", "maxProperties"),
}


def _apply(schema: Schema, item: Any) -> None:
    """Adds what one ``Annotated`` metadata item says to ``schema``."""
    cls = type(item).__name__
    if isinstance(item, str):
        schema["description"] = item
    elif isinstance(getattr(item, "documentation", None), str):
        schema["description"] = item.documentation
    elif _is_field_info(item):
        for attr in ("title", "description", "examples"):
            value = _json_or_missing(getattr(item, attr, None))
            if value is not None and value is not _MISSING:
                schema[attr] = value
        if getattr(item, "deprecated", None):
            schema["deprecated"] = True
        if isinstance(item.json_schema_extra, dict):
            schema.update(item.json_schema_extra)
    elif type(item).__module__ == "annotated_types" and cls in _NUMERIC:
        attr, keyword = _NUMERIC[cls]
        value = _json_or_missing(getattr(item, attr))
        if value is not _MISSING:
            schema[keyword] = value
    elif type(item).__module__ == "annotated_types" and cls in ("MinLen", "MaxLen"):
        low, high = _LENGTHS.get(_schema_kind(schema), _LENGTHS["string"])
        schema[low if cls == "MinLen" else high] = (
            item.min_length if cls == "MinLen" else item.max_length
        )
    elif type(item).__module__.startswith("pydantic") and cls == "WithJsonSchema":
        if item.json_schema is not None:
            schema.clear()
            schema.update(item.json_schema)
    elif (
        type(item).__module__.startswith("pydantic") and getattr(item, "pattern", None) is not None
    ):
        pattern = item.pattern
        schema["pattern"] = pattern if isinstance(pattern, str) else pattern.pattern


def _schema_kind(schema: Schema) -> str:
    kind = schema.get("type")
    if isinstance(kind, str):
        return kind
    for member in schema.get("anyOf", ()):
        if member.get("type") not in (None, "null"):
            return str(member["type"])
    return "string"


def _pydantic_checked(tp: Any, convert: Convert) -> Convert:
    """``convert``, then pydantic's validators and transformations from ``Annotated``."""
    from pydantic import TypeAdapter

    try:
        adapter: Any = TypeAdapter(tp)
    except Exception:
        # pydantic cannot take every type this module converts (typing.TypedDict before 3.12,
        # say); the constraints are still in the JSON Schema the sandbox checks.
        return convert
    return lambda value: adapter.validate_python(convert(value))


def _drop_titles(schema: Any, name: str | None) -> None:
    """Removes, in place, the titles pydantic derives from class and property names."""
    if not isinstance(schema, dict):
        return
    title = schema.get("title")
    if isinstance(title, str) and name is not None and _safe_name(title) == _safe_name(name):
        del schema["title"]
    for key, sub in _subschemas(schema):
        auto = key.title().replace("_", " ").strip() if key is not None else None
        if isinstance(sub, dict) and auto is not None and sub.get("title") == auto:
            del sub["title"]
        _drop_titles(sub, None)


def _rename_refs(schema: Any, renames: dict[str, str]) -> None:
    """Renames, in place, the ``$defs`` that ``schema``'s ``$ref``s and discriminator mappings
    point to."""

    def renamed(ref: Any) -> Any:
        target = _ref_target({"$ref": ref})
        return _REF_PREFIX + renames.get(target, target) if target else ref

    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        schema["$ref"] = renamed(schema["$ref"])
    discriminator = schema.get("discriminator")
    if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
        discriminator["mapping"] = {k: renamed(v) for k, v in discriminator["mapping"].items()}
    for _, sub in _subschemas(schema):
        _rename_refs(sub, renames)


_SCHEMA_KEYS = frozenset(
    "items,additionalProperties,contains,not,if,then,else,propertyNames,unevaluatedItems,"
    "unevaluatedProperties,additionalItems".split(",")
)
_SCHEMA_LIST_KEYS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAP_KEYS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)


def _subschemas(schema: Schema) -> Iterator[tuple[str | None, Any]]:
    """The subschemas of ``schema``, each with its property name when it is a property."""
    for key, value in schema.items():
        if key in _SCHEMA_KEYS:
            yield from ((None, v) for v in (value if isinstance(value, list) else [value]))
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            yield from ((None, v) for v in value)
        elif key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            named = key == "properties"
            yield from ((k if named else None, v) for k, v in value.items())


def _references(defs: dict[str, Schema]) -> set[str]:
    found: set[str] = set()

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            ref = schema.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
                found.add(ref[len(_REF_PREFIX) :])
            for _, sub in _subschemas(schema):
                walk(sub)

    for sub in defs.values():
        walk(sub)
    return found


# ---------------------------------------------------------------------------------------------
# Converters: JSON values -> annotated types


class _Binder:
    """Turns a JSON object into the positional and keyword arguments of a call."""

    def __init__(self, fields: list[tuple[_Param, Convert]], *, closed: bool, what: str) -> None:
        self.fields = fields
        self.closed = closed
        self.what = what
        self.keys = dict.fromkeys(p.key for p, _ in fields)

    def __call__(self, data: Any) -> tuple[list[Any], dict[str, Any]]:
        if not isinstance(data, dict):
            raise _Invalid(f"expected an object, got {_describe(data)}")
        if self.closed:
            unknown = [k for k in data if k not in self.keys]
            if unknown:
                expected = ", ".join(repr(k) for k in self.keys) or "none"
                names = ", ".join(repr(k) for k in unknown)
                raise _Invalid(f"unexpected {self.what} {names} (expected: {expected})")
        positional: list[tuple[_Param, Any]] = []
        keywords: dict[str, Any] = (
            {} if self.closed else {k: v for k, v in data.items() if k not in self.keys}
        )
        for p, convert in self.fields:
            if p.key in data:
                try:
                    value = convert(data[p.key])
                except _Invalid as e:
                    raise e.at(p.key) from None
            elif p.fill is not None:
                value = p.fill()
            elif p.required:
                raise _Invalid(f"missing required {self.what} '{p.key}'")
            else:
                value = _MISSING
            if p.positional:
                positional.append((p, value))
            elif value is not _MISSING:
                keywords[p.name] = value
        while positional and positional[-1][1] is _MISSING:
            positional.pop()
        return [p.default if value is _MISSING else value for p, value in positional], keywords


def _construct(binder: _Binder, cls: Any) -> Convert:
    def construct(value: Any) -> Any:
        positional, keywords = binder(value)
        return cls(*positional, **keywords)

    return construct


def _each(items: list[Any], convert: Convert | list[Convert]) -> list[Any]:
    out = []
    for i, item in enumerate(items):
        try:
            out.append((convert[i] if isinstance(convert, list) else convert)(item))
        except _Invalid as e:
            raise e.at(i) from None
    return out


def _expect_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _Invalid(f"expected an array, got {_describe(value)}")
    return value


def _expect_null(value: Any) -> None:
    if value is not None:
        raise _Invalid(f"expected null, got {_describe(value)}")


def _to_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected a boolean, got {_describe(value)}")
    return value


def _to_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _Invalid(f"expected an integer, got {_describe(value)}")


def _to_float(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise _Invalid(f"expected a number, got {_describe(value)}")


def _to_str(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {_describe(value)}")
    return value


_SCALARS: dict[str, Convert] = {"string": _to_str, "integer": _to_int, "number": _to_float}


def _then(first: Convert, then: Callable[[Any], Any]) -> Convert:
    return lambda value: then(first(value))


def _or_none(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _int_key(key: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise _Invalid(f"expected an integer key, got {key!r}", wrong_type=False) from None


def _from_base64(cls: type) -> Convert:
    def decode(value: Any) -> Any:
        import base64
        import binascii

        try:
            data = base64.b64decode(_to_str(value), validate=True)
        except binascii.Error:
            raise _Invalid(
                f"expected a base64 string, got {_describe(value)}", wrong_type=False
            ) from None
        return data if cls is bytes else cls(data)

    return decode


def _from_iso(cls: Any, fmt: str) -> Convert:
    def parse(value: Any) -> Any:
        try:
            return cls.fromisoformat(_to_str(value))
        except ValueError:
            raise _Invalid(
                f"expected an ISO 8601 {fmt} string, got {_describe(value)}", wrong_type=False
            ) from None

    return parse


def _parsed(cls: Any, what: str) -> Convert:
    def parse(value: Any) -> Any:
        try:
            return cls(_to_str(value))
        except (ValueError, ArithmeticError):
            raise _Invalid(f"expected a {what}, got {_describe(value)}", wrong_type=False) from None

    return parse


def _to_decimal(cls: Any) -> Convert:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            return _parsed(cls, "decimal string")(value.strip())
        return cls(repr(_to_float(value)) if isinstance(value, float) else _to_int(value))

    return convert


def _matcher(pairs: list[tuple[Any, Any]]) -> Convert:
    """The original of the pair whose JSON form equals the value (``true`` is not ``1``)."""

    def match(value: Any) -> Any:
        for json_value, original in pairs:
            if json_value == value and isinstance(json_value, bool) == isinstance(value, bool):
                return original
        choices = ", ".join(repr(j) for j, _ in pairs)
        raise _Invalid(f"expected one of {choices}, got {_describe(value)}", wrong_type=False)

    return match


def _first_fit(converters: list[Convert], members: list[Any]) -> Convert:
    def convert(value: Any) -> Any:
        failures = []
        for member, convert_member in zip(members, converters, strict=True):
            try:
                return convert_member(value)
            except (_Invalid, TypeError, ValueError) as e:
                failures.append(f"{_type_text(member)}: {e}")
        raise _Invalid(f"{_describe(value)} fits none of the union's types ({'; '.join(failures)})")

    return convert


# ---------------------------------------------------------------------------------------------
# Results -> JSON


class _NotJSON(Exception):
    def __init__(self, message: str, *, wrong_type: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.wrong_type = wrong_type
        self.path: list[Any] = []

    def error(self) -> Exception:
        where = (
            "the value"
            if not self.path
            else "value" + "".join(f"[{k!r}]" for k in reversed(self.path))
        )
        return (TypeError if self.wrong_type else ValueError)(f"to_json(): {where}: {self.message}")


def _to_json(value: Any, active: set[int]) -> Any:
    cls = type(value)
    if cls is str or cls is int or cls is bool or value is None:
        return value
    if cls is float:
        return _finite(value)
    if cls is dict:
        return _mapping_to_json(value, active)
    if cls is list or cls is tuple:
        return _items_to_json(value, active)
    return _other_to_json(value, active)


def _json_or_missing(value: Any) -> Any:
    """``value`` as JSON, or ``_MISSING`` when it has no JSON form."""
    if value is _MISSING:
        return _MISSING
    try:
        return _to_json(value, set())
    except _NotJSON:
        return _MISSING


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise _NotJSON(
            f"float {value!r} is not valid JSON, which has no NaN or Infinity; "
            "hint: return None or a string such as 'nan' instead",
            wrong_type=False,
        )
    return value


def _entered(value: Any, active: set[int]) -> None:
    if id(value) in active:
        raise _NotJSON(
            f"a {type(value).__name__} that contains itself has no JSON form", wrong_type=False
        )
    active.add(id(value))


def _mapping_to_json(value: Any, active: set[int]) -> dict[str, Any]:
    _entered(value, active)
    out = {}
    for key, item in value.items():
        try:
            out[_key_text(key)] = _to_json(item, active)
        except _NotJSON as e:
            e.path.append(key)
            raise
    active.discard(id(value))
    return out


def _items_to_json(value: Any, active: set[int]) -> list[Any]:
    _entered(value, active)
    out = []
    for i, item in enumerate(value):
        try:
            out.append(_to_json(item, active))
        except _NotJSON as e:
            e.path.append(i)
            raise
    active.discard(id(value))
    return out


def _key_text(key: Any) -> str:
    """A dict key as :func:`json.dumps` writes it; an ``Enum`` by its value."""
    if type(key) is str:
        return key
    if key is None or isinstance(key, bool):
        return {None: "null", True: "true", False: "false"}[key]
    converted = _to_json(key, set())
    if type(converted) is str:
        return converted
    if type(converted) is int:
        return str(converted)
    if type(converted) is float:
        return repr(converted)
    if converted is None or type(converted) is bool:
        return _key_text(converted)
    raise _NotJSON(
        f"a dict key of type {type(key).__qualname__} has no JSON form; hint: use str keys"
    )


def _other_to_json(value: Any, active: set[int]) -> Any:
    cls = type(value)
    if _subclass(cls, "enum", "Enum"):
        return _to_json(value.value, active)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return _finite(float.__float__(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        import base64

        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple) and hasattr(cls, "_fields"):
        return _mapping_to_json(dict(zip(cls._fields, value, strict=True)), active)
    if isinstance(value, (list, tuple)):
        return _items_to_json(value, active)
    if isinstance(value, (set, frozenset)):
        return _sorted(_items_to_json(value, active))
    if isinstance(value, collections.abc.Mapping):
        return _mapping_to_json(value, active)
    if hasattr(cls, "__dataclass_fields__") and not isinstance(value, type):
        import dataclasses

        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
        return _wrapped(value, fields, active)
    if _is_pydantic_model(cls):
        return _to_json(value.model_dump(mode="json", by_alias=True), active)
    converted = _stdlib_to_json(value)
    if converted is not _MISSING:
        return converted
    return _foreign_to_json(value, active)


def _wrapped(owner: Any, fields: dict[str, Any], active: set[int]) -> dict[str, Any]:
    _entered(owner, active)
    out = _mapping_to_json(fields, active)
    active.discard(id(owner))
    return out


def _stdlib_to_json(value: Any) -> Any:
    cls = type(value)
    if _subclass(cls, "datetime", "date") or _subclass(cls, "datetime", "time"):
        return value.isoformat()
    if _subclass(cls, "datetime", "timedelta"):
        return value.total_seconds()
    if (
        _subclass(cls, "decimal", "Decimal")
        or _subclass(cls, "uuid", "UUID")
        or _subclass(cls, "pathlib", "PurePath")
    ):
        return str(value)
    if cls.__module__ == "ipaddress":
        return str(value)
    return _MISSING


def _foreign_to_json(value: Any, active: set[int]) -> Any:
    import inspect
    import os

    cls = type(value)
    module = cls.__module__ or ""
    if module.split(".")[0] == "numpy" and hasattr(value, "tolist"):
        return _to_json(value.tolist(), active)
    if module.startswith("pydantic") or hasattr(cls, "__get_pydantic_core_schema__"):
        from pydantic_core import to_jsonable_python

        return _to_json(to_jsonable_python(value), active)
    if isinstance(value, os.PathLike):
        return _to_json(os.fspath(value), active)
    if inspect.isawaitable(value):
        raise _NotJSON(
            f"a {cls.__qualname__} was returned, not awaited; "
            "hint: declare the tool with `async def` so airlock awaits it"
        )
    if isinstance(value, collections.abc.Sequence) and not isinstance(value, (str, bytes)):
        return _items_to_json(value, active)
    raise _NotJSON(
        f"a {cls.__qualname__} has no JSON form; hint: return a dict, list, str, int, float, bool "
        "or None, or a dataclass, pydantic model, Enum, datetime, UUID or Decimal"
    )


def _sorted(items: list[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        import json

        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
