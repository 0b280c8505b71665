"""Bridges between airlock and agent frameworks.

Tools *from* frameworks, accepted wherever airlock takes a tool (``airlock.Sandbox(tools=[...])``):

- a LangChain tool (any ``langchain_core.tools.BaseTool``): its name, description and argument
  schema become the airlock tool's; a call from the script runs ``tool.invoke`` (or ``ainvoke``
  when the tool has a native coroutine) with the run configuration of the LangChain run that
  started the script, so its run nests under that run in callbacks and traces;
- an OpenAI Agents SDK ``FunctionTool``: its strict ``params_json_schema`` is kept and a call runs
  ``on_invoke_tool`` with a ``ToolContext`` carrying the agent run's context when the script was
  started by ``as_openai_agents_tool`` (its failures reach the script as the SDK reports them to a
  model: the tool's failure message, or an exception if the tool has no failure function);
- a ``(definition, handler)`` pair, where ``definition`` is an OpenAI chat-completions tool
  (``{"type": "function", "function": {...}}``), an OpenAI Responses tool (``{"type": "function",
  "name": ...}``), an Anthropic tool (``input_schema``) or an MCP tool (``inputSchema``, and
  ``outputSchema`` if present; an ``mcp.types.Tool`` works too), and ``handler(args)`` is a plain
  or async function taking the arguments as one dict.

A tool keeps its framework's name, except that characters outside ``[A-Za-z0-9_-]`` become
``_`` (and a name that does not start with a letter or ``_`` gets a leading ``_``).

A session *as* a framework tool:

- ``as_langchain_tool``: a ``StructuredTool`` taking ``{"code": str}`` with
  ``response_format="content_and_artifact"``: the content is text for the model, the artifact the
  ``RunResult``;
- ``as_openai_agents_tool``: a strict ``FunctionTool`` taking ``{"code": str}`` and answering text;
- ``codeact_eval``: an ``eval_fn`` for langgraph-codeact's ``create_codeact`` that keeps the
  script's top-level variables from one turn to the next.

In all three a failed script is an answer, not an exception, so the agent loop goes on: the text
is the script's stdout (ending with its returned value, which the sandbox prints), then its
stderr, then a line naming what went wrong (the time or memory limit, a policy denial, an
uncaught error's exit code).

None of the frameworks is imported by ``import airlock``: an object is recognised by the modules
its class comes from, and a framework is imported only to handle one of its own objects.
"""

from __future__ import annotations

import contextvars
import inspect
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeGuard

from ._tools import ToolDef

if TYPE_CHECKING:
    from agents import FunctionTool
    from agents.tool_context import ToolContext
    from langchain_core.runnables import RunnableConfig
    from langchain_core.tools import BaseTool, StructuredTool

    from . import Language, RunResult, Session

__all__ = [
    "as_langchain_tool",
    "as_openai_agents_tool",
    "codeact_eval",
    "failure_text",
    "result_text",
    "tool_def_from_object",
    "tool_line",
]

_LANGCHAIN_CONFIG: contextvars.ContextVar[RunnableConfig | None] = contextvars.ContextVar(
    "airlock_langchain_config", default=None
)
_AGENTS_CONTEXT: contextvars.ContextVar[ToolContext[Any] | None] = contextvars.ContextVar(
    "airlock_agents_context", default=None
)

_EMPTY_OBJECT_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


# --- tools from frameworks -------------------------------------------------------------------


def tool_def_from_object(obj: object) -> ToolDef | None:
    """The ToolDef for a framework tool or a ``(definition, handler)`` pair; None for anything else.

    Raises ValueError for a ``(dict, callable)`` pair whose dict is none of the known forms.
    """
    if _comes_from(obj, "langchain_core"):
        from langchain_core.tools import BaseTool

        return _from_langchain(obj) if isinstance(obj, BaseTool) else None
    if _comes_from(obj, "agents"):
        from agents import FunctionTool

        return _from_openai_agents(obj) if isinstance(obj, FunctionTool) else None
    if _is_definition_pair(obj):
        definition, handler = obj
        return _from_definition(_as_dict(definition), handler)
    return None


def _tool_name(name: str) -> str:
    """A framework's tool name as an airlock tool name (one path segment)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else "_" + cleaned


def _comes_from(obj: object, package: str) -> bool:
    return any(
        cls.__module__ == package or cls.__module__.startswith(package + ".")
        for cls in type(obj).__mro__
    )


def _from_langchain(tool: BaseTool) -> ToolDef:
    from langchain_core.utils.function_calling import convert_to_openai_tool

    function = convert_to_openai_tool(tool)["function"]
    is_async = _langchain_has_coroutine(tool)

    def invoke(args: dict[str, Any]) -> Any:
        return tool.invoke(args, config=_LANGCHAIN_CONFIG.get())

    async def ainvoke(args: dict[str, Any]) -> Any:
        return await tool.ainvoke(args, config=_LANGCHAIN_CONFIG.get())

    return ToolDef(
        name=_tool_name(tool.name),
        description=tool.description or "",
        input_schema=function.get("parameters") or dict(_EMPTY_OBJECT_SCHEMA),
        handler=ainvoke if is_async else invoke,
        is_async=is_async,
    )


def _langchain_has_coroutine(tool: BaseTool) -> bool:
    """True if the tool runs natively async (not LangChain's default of a thread for ``_run``)."""
    from langchain_core.tools import BaseTool

    if hasattr(tool, "coroutine"):
        return tool.coroutine is not None
    return type(tool)._arun is not BaseTool._arun


def _from_openai_agents(tool: FunctionTool) -> ToolDef:
    async def invoke(args: dict[str, Any]) -> Any:
        arguments = json.dumps(args)
        return await tool.on_invoke_tool(_agents_tool_context(tool.name, arguments), arguments)

    return ToolDef(
        name=_tool_name(tool.name),
        description=tool.description or "",
        input_schema=tool.params_json_schema,
        handler=invoke,
        is_async=True,
        output_schema=getattr(tool, "output_json_schema", None),
    )


def _agents_tool_context(name: str, arguments: str) -> ToolContext[Any]:
    """A ToolContext for one call, sharing the context and usage of the agent run, if any."""
    from agents.tool_context import ToolContext
    from agents.usage import Usage

    outer = _AGENTS_CONTEXT.get()
    return ToolContext(
        context=None if outer is None else outer.context,
        usage=Usage() if outer is None else outer.usage,
        tool_name=name,
        tool_call_id=f"airlock_{uuid.uuid4().hex}",
        tool_arguments=arguments,
    )


def _is_definition_pair(obj: object) -> TypeGuard[tuple[Any, Callable[[dict[str, Any]], Any]]]:
    return (
        isinstance(obj, tuple)
        and len(obj) == 2
        and callable(obj[1])
        and (isinstance(obj[0], Mapping) or hasattr(obj[0], "model_dump"))
    )


def _as_dict(definition: Any) -> dict[str, Any]:
    if isinstance(definition, Mapping):
        return dict(definition)
    return dict(definition.model_dump(exclude_none=True))


def _from_definition(
    definition: dict[str, Any], handler: Callable[[dict[str, Any]], Any]
) -> ToolDef:
    fields = _definition_fields(definition)
    return ToolDef(
        name=_tool_name(fields["name"]),
        description=fields.get("description") or "",
        input_schema=fields.get("schema") or dict(_EMPTY_OBJECT_SCHEMA),
        handler=handler,
        is_async=_is_async_callable(handler),
        output_schema=fields.get("output_schema"),
    )


def _definition_fields(definition: dict[str, Any]) -> dict[str, Any]:
    """Name, description and schemas of an OpenAI, Anthropic or MCP tool definition."""
    if isinstance(definition.get("function"), Mapping):
        function = definition["function"]
        return {**function, "schema": function.get("parameters")}
    if "name" in definition and "parameters" in definition:
        return {**definition, "schema": definition["parameters"]}
    if "name" in definition and "input_schema" in definition:
        return {**definition, "schema": definition["input_schema"]}
    if "name" in definition and "inputSchema" in definition:
        return {
            **definition,
            "schema": definition["inputSchema"],
            "output_schema": definition.get("outputSchema"),
        }
    if definition.get("type") == "function" and "name" in definition:
        return {**definition, "schema": None}
    raise ValueError(
        "a (definition, handler) tool needs an OpenAI tool ({'type': 'function', 'function': "
        "{'name', 'description', 'parameters'}} or the flat Responses form), an Anthropic tool "
        "({'name', 'description', 'input_schema'}) or an MCP tool ({'name', 'description', "
        f"'inputSchema'}}); got the keys {sorted(definition)}"
    )


def _is_async_callable(fn: Callable[..., Any]) -> bool:
    """True for an async function, and for an object whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(type(fn).__call__)


# --- the text an agent sees ------------------------------------------------------------------

_STOPPED = {
    "timeout": "the script was stopped: it ran past its time limit",
    "out_of_memory": "the script was stopped: it ran out of memory",
    "out_of_fuel": "the script was stopped: it used up its fuel (instruction budget)",
    "stack_overflow": "the script was stopped: it recursed too deeply",
    "interrupted": "the script was interrupted",
}


def result_text(result: RunResult) -> str:
    """The text for a model: stdout (which ends with the returned value, printed as
    ``console.log`` prints it), stderr, and what went wrong."""
    parts = []
    if result.stdout:
        parts.append(result.stdout.rstrip("\n"))
    if result.stderr:
        parts.append("stderr:\n" + result.stderr.rstrip("\n"))
    failure = failure_text(result)
    if failure:
        parts.append("error: " + failure)
    return "\n".join(parts) if parts else "(no output)"


def failure_text(result: RunResult) -> str | None:
    """What went wrong in a run, in a few words; None if it exited with status 0."""
    if result.termination != "exited":
        stopped = _STOPPED.get(result.termination, f"the script was stopped ({result.termination})")
        return f"{stopped}: {result.detail}" if result.detail else stopped
    if result.exit_code == 0:
        return None
    denials = [
        f"policy denied {call.tool}: {call.error_message}"
        for call in result.calls
        if call.error_code == "EPOLICY"
    ]
    return "; ".join(dict.fromkeys(denials)) or f"the script exited with code {result.exit_code}"


# --- a session as a framework tool ----------------------------------------------------------

_DESCRIPTIONS = {
    "javascript": (
        "Run a JavaScript program in a sandbox and get its output. Top-level await and return "
        "work. Each tool is an async function taking one object, e.g. "
        "`const r = await get_weather({city: 'Paris'})`. Print with console.log; a returned "
        "value is printed too. Files under /workspace persist between runs."
    ),
    "shell": (
        "Run a bash-style shell script in a sandbox and get its output. The usual text tools "
        "(grep, sed, awk, jq, sort, ...) work; `tool NAME --arg value` calls a tool and "
        "`tool --list` lists them. Files under /workspace persist between runs."
    ),
}


def _check_language(language: Language) -> None:
    if language not in _DESCRIPTIONS:
        raise ValueError(f"language must be 'javascript' or 'shell', not {language!r}")


def _description(session: Session, language: Language, description: str | None) -> str:
    """The given description, else one for the language followed by a line per tool."""
    _check_language(language)
    if description is not None:
        return description
    lines = [tool_line(tool, language) for tool in session.sandbox.tools]
    if not lines:
        return _DESCRIPTIONS[language]
    return "\n".join([_DESCRIPTIONS[language], "", "Tools:", *lines])


def tool_line(tool: Mapping[str, Any], language: Language) -> str:
    """``- bank.transfer({amount, memo?}): Moves money.`` (``tool bank/transfer --amount
    [--memo]`` for the shell)."""
    schema = tool.get("input_schema") or {}
    required = set(schema.get("required", []))
    params = list(schema.get("properties", {}))
    if language == "javascript":
        args = ", ".join(p if p in required else p + "?" for p in params)
        call = f"{tool['name'].replace('/', '.')}({{{args}}})"
    else:
        call = " ".join(
            ["tool", tool["name"], *(f"--{p}" if p in required else f"[--{p}]" for p in params)]
        )
    summary = (tool.get("description") or "").strip().split("\n")[0]
    return f"- {call}: {summary}" if summary else f"- {call}"


def as_langchain_tool(
    session: Session,
    *,
    name: str = "run_code",
    description: str | None = None,
    language: Language = "javascript",
) -> StructuredTool:
    """The session as a LangChain tool taking ``{"code": str}``.

    Its ``response_format`` is ``"content_and_artifact"``: an agent calling it with a tool call
    gets a ``ToolMessage`` whose content is ``result_text`` of the run and whose artifact is the
    ``RunResult``. LangChain tools that the script calls run with this tool's run configuration,
    so they nest under it. The sync path runs ``session.run``, the async one ``session.run_async``.
    """
    from langchain_core.runnables import ensure_config
    from langchain_core.tools import StructuredTool
    from pydantic import Field, create_model

    args_schema = create_model(
        "RunCodeInput", code=(str, Field(description=f"The {language} program to run."))
    )

    def run(code: str) -> tuple[str, Any]:
        token = _LANGCHAIN_CONFIG.set(ensure_config())
        try:
            result = session.run(code, language, check=False)
        finally:
            _LANGCHAIN_CONFIG.reset(token)
        return result_text(result), result

    async def arun(code: str) -> tuple[str, Any]:
        token = _LANGCHAIN_CONFIG.set(ensure_config())
        try:
            result = await session.run_async(code, language, check=False)
        finally:
            _LANGCHAIN_CONFIG.reset(token)
        return result_text(result), result

    return StructuredTool.from_function(
        func=run,
        coroutine=arun,
        name=name,
        description=_description(session, language, description),
        args_schema=args_schema,
        response_format="content_and_artifact",
    )


def as_openai_agents_tool(
    session: Session,
    *,
    name: str = "run_code",
    description: str | None = None,
    language: Language = "javascript",
) -> FunctionTool:
    """The session as an OpenAI Agents SDK ``FunctionTool`` taking ``{"code": str}``.

    Its schema is strict (``strict_json_schema=True``) and it answers ``result_text`` of the run.
    Agents SDK function tools that the script calls get the agent run's context and usage.
    """
    from agents import FunctionTool

    async def invoke(ctx: ToolContext[Any], arguments: str) -> str:
        code = json.loads(arguments)["code"]
        token = _AGENTS_CONTEXT.set(ctx)
        try:
            result = await session.run_async(code, language, check=False)
        finally:
            _AGENTS_CONTEXT.reset(token)
        return result_text(result)

    return FunctionTool(
        name=name,
        description=_description(session, language, description),
        params_json_schema={
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": f"The {language} program to run."}
            },
            "required": ["code"],
            "additionalProperties": False,
        },
        on_invoke_tool=invoke,
        strict_json_schema=True,
    )


# --- LangGraph CodeAct ------------------------------------------------------------------------

_VARS_FILE = "/tmp/.airlock-codeact-vars.json"
_GETTERS = "__airlockGet"

_EPILOGUE = (
    "\n} finally {\n"
    "  const __airlockPlain = (v, d) => d < 64 && (v === null || typeof v === 'string' ||"
    " typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) ||"
    " (Array.isArray(v) ? v.every((x) => __airlockPlain(x, d + 1)) : typeof v === 'object' &&"
    " [Object.prototype, null].includes(Object.getPrototypeOf(v)) &&"
    " Object.values(v).every((x) => __airlockPlain(x, d + 1))));\n"
    "  const __airlockOut = {};\n"
    f"  for (const [__k, __g] of Object.entries({_GETTERS})) {{\n"
    "    try { const __v = __g(); if (__airlockPlain(__v, 0)) __airlockOut[__k] = __v; } catch {}\n"
    "  }\n"
    f"  try {{ globalThis.fs.writeFileSync({json.dumps(_VARS_FILE)},"
    " JSON.stringify(__airlockOut)); } catch {}\n"
    "}"
)


def codeact_eval(
    session: Session, language: Language = "javascript"
) -> Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
    """An ``eval_fn`` for langgraph-codeact's ``create_codeact(model, tools, eval_fn)``.

    The function runs the model's code in the session and answers ``(result_text, new_vars)``.
    For JavaScript, ``new_vars`` holds the script's top-level variables (``const``, ``let`` and
    ``var`` at nesting depth 0, destructuring included) and the variables carried into it, with
    their values at the end of the run (also when the script failed part-way), and those variables
    are declared again, with these values, at the top of the next script. Only JSON values are
    carried (null, booleans, finite numbers, strings, arrays and plain objects of them): functions,
    classes, Maps, Dates, promises and other objects are not, nor is anything after a timeout or
    other stop. Carried values are copies: an object shared by two variables comes back as two.
    For shell scripts nothing is carried.

    The tools the script calls are the session's own; the Python functions that create_codeact
    puts into the locals are ignored, so give the same tools to the ``Sandbox``, and give
    create_codeact a prompt that asks for JavaScript (``sandbox.system_prompt()`` describes the
    sandbox and its tools).
    """
    _check_language(language)

    def eval_fn(code: str, _locals: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if language != "javascript":
            return result_text(session.run(code, language, check=False)), {}
        result = session.run(_carry_variables(code, _locals), language, check=False)
        return result_text(result), _read_variables(session)

    return eval_fn


def _carry_variables(code: str, values: Mapping[str, Any]) -> str:
    """The script with ``values`` declared before it and its variables saved when it ends.

    Everything added before the script stays on its first line, so error line numbers are the
    script's own.
    """
    carried = {
        name: encoded
        for name, value in values.items()
        if _is_js_name(name) and (encoded := _json_or_none(value)) is not None
    }
    names = dict.fromkeys([*carried, *_top_level_names(code)])
    declarations = "".join(
        f"var {name} = JSON.parse({json.dumps(encoded)}); " for name, encoded in carried.items()
    )
    getters = "".join(f"{_GETTERS}.{name} = () => {name}; " for name in names)
    return f"{declarations}const {_GETTERS} = {{}}; try {{ {getters}{code}{_EPILOGUE}"


def _read_variables(session: Session) -> dict[str, Any]:
    if not session.fs.exists(_VARS_FILE):
        return {}
    text = session.fs.read_text(_VARS_FILE)
    session.fs.remove(_VARS_FILE)
    variables: dict[str, Any] = json.loads(text)
    return variables


def _json_or_none(value: Any) -> str | None:
    if callable(value):
        return None
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return None


_JS_RESERVED = frozenset(
    "await break case catch class const continue debugger default delete do else enum export "
    "extends false finally for function if implements import in instanceof interface let new "
    "null package private protected public return static super switch this throw true try "
    "typeof var void while with yield arguments eval undefined NaN Infinity".split()
)


def _is_js_name(name: str) -> bool:
    return (
        re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name) is not None
        and name not in _JS_RESERVED
        and not name.startswith("__airlock")
    )


# The scanner below finds the names that a script declares at its top level. It reads tokens
# (strings, template literals, comments and regular expressions are skipped whole) and tracks
# bracket depth; it is a heuristic, not a parser: a name it misses is not carried, and a name it
# finds wrongly is dropped by the script's epilogue (its getter throws).

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))
      | (?P<string>"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)
      | (?P<name>[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*)
      | (?P<number>\.?\d[\w.]*)
      | (?P<punct>\.\.\.|\?\.|=>|[^\s\w$])""",
    re.VERBOSE | re.DOTALL,
)
_REGEX_BODY = re.compile(r"(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n\[])*/?[A-Za-z]*")
_BEFORE_EXPRESSION = frozenset(
    "return typeof instanceof in of new delete void throw case do else yield await".split()
)
_OPEN = {"(": ")", "[": "]", "{": "}"}
_DECLARATION_KEYWORDS = frozenset(["const", "let", "var"])


def _top_level_names(code: str) -> list[str]:
    """Names declared by ``const``, ``let`` or ``var`` at nesting depth 0 of a script."""
    tokens = [(kind, text) for kind, text, _ in _tokens(code, 0)]
    names: list[str] = []
    depth = 0
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        previous = tokens[i - 1][1] if i else ""
        if kind == "punct" and text in _OPEN:
            depth += 1
        elif kind == "punct" and text in ")]}":
            depth -= 1
        elif depth == 0 and kind == "name" and text in _DECLARATION_KEYWORDS and previous != ".":
            i = _declarators(tokens, i + 1, names)
            continue
        i += 1
    return list(dict.fromkeys(name for name in names if _is_js_name(name)))


def _tokens(code: str, i: int) -> Iterator[tuple[str, str, int]]:
    """(kind, text, end) tokens from ``i``, without spaces and comments; a template literal is one
    token."""
    previous = ("punct", "{")
    while i < len(code):
        if code[i] == "`":
            end = _template_end(code, i + 1)
            kind = "string"
        elif code[i] == "/" and code[i : i + 2] not in ("//", "/*") and _regex_allowed(previous):
            end = _REGEX_BODY.match(code, i + 1).end()  # type: ignore[union-attr]
            kind = "regex"
        else:
            match = _TOKEN.match(code, i)
            assert match is not None and match.lastgroup is not None
            end, kind = match.end(), match.lastgroup
        text, i = code[i:end], end
        if kind not in ("space", "comment"):
            previous = (kind, text)
            yield kind, text, end


def _regex_allowed(previous: tuple[str, str]) -> bool:
    kind, text = previous
    if kind == "name":
        return text in _BEFORE_EXPRESSION
    return kind == "punct" and text not in (")", "]", "}")


def _template_end(code: str, i: int) -> int:
    """The index just past the template literal whose body starts at ``i``."""
    while i < len(code):
        if code[i] == "\\":
            i += 2
        elif code[i] == "`":
            return i + 1
        elif code.startswith("${", i):
            i = _substitution_end(code, i + 2)
        else:
            i += 1
    return len(code)


def _substitution_end(code: str, i: int) -> int:
    """The index just past the ``}`` closing a template substitution whose code starts at ``i``."""
    depth = 0
    for kind, text, end in _tokens(code, i):
        if kind == "punct" and text == "{":
            depth += 1
        elif kind == "punct" and text == "}":
            if depth == 0:
                return end
            depth -= 1
    return len(code)


def _declarators(tokens: list[tuple[str, str]], i: int, names: list[str]) -> int:
    """Collect the names of ``a = 1, {b, c: [d]} = x, ...`` from ``i``; the index after them."""
    while i < len(tokens):
        i = _binding(tokens, i, names)
        if i < len(tokens) and tokens[i] == ("punct", "="):
            i = _skip_expression(tokens, i + 1, stop=",;")
        if i < len(tokens) and tokens[i] == ("punct", ","):
            i += 1
            continue
        return i
    return i


def _binding(tokens: list[tuple[str, str]], i: int, names: list[str]) -> int:
    """Collect the names bound by the identifier or pattern at ``i``; the index after it."""
    if i >= len(tokens):
        return i
    kind, text = tokens[i]
    if kind == "name":
        names.append(text)
        return i + 1
    if text == "{":
        return _object_pattern(tokens, i + 1, names)
    if text == "[":
        return _array_pattern(tokens, i + 1, names)
    return i


def _object_pattern(tokens: list[tuple[str, str]], i: int, names: list[str]) -> int:
    while i < len(tokens) and tokens[i][1] != "}":
        if tokens[i][1] == "...":
            i = _binding(tokens, i + 1, names)
        else:
            key_kind, key = tokens[i]
            i = _skip_expression(tokens, i + 1, stop="]") + 1 if key == "[" else i + 1
            if i < len(tokens) and tokens[i][1] == ":":
                i = _binding(tokens, i + 1, names)
            elif key_kind == "name":
                names.append(key)
        i = _pattern_element_end(tokens, i, "}")
    return i + 1


def _array_pattern(tokens: list[tuple[str, str]], i: int, names: list[str]) -> int:
    while i < len(tokens) and tokens[i][1] != "]":
        if tokens[i][1] == "...":
            i = _binding(tokens, i + 1, names)
        elif tokens[i][1] != ",":
            i = _binding(tokens, i, names)
        i = _pattern_element_end(tokens, i, "]")
    return i + 1


def _pattern_element_end(tokens: list[tuple[str, str]], i: int, close: str) -> int:
    """Skip an element's default value and its comma; stop on the pattern's closing bracket."""
    if i < len(tokens) and tokens[i][1] == "=":
        i = _skip_expression(tokens, i + 1, stop="," + close)
    if i < len(tokens) and tokens[i][1] == ",":
        i += 1
    return i


def _skip_expression(tokens: list[tuple[str, str]], i: int, stop: str) -> int:
    """The index of the first ``stop`` token outside brackets from ``i``, or of a closing bracket
    that ends the enclosing construct, or of a declaration keyword (a new statement)."""
    depth = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "punct" and text in _OPEN:
            depth += 1
        elif kind == "punct" and text in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and (
            (kind == "punct" and text in stop) or (kind == "name" and text in _DECLARATION_KEYWORDS)
        ):
            return i
        i += 1
    return i
