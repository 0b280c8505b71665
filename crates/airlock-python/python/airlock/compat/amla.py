"""amla-sandbox's ``create_sandbox_tool``, backed by airlock.

Change the import and keep the rest::

    from airlock.compat.amla import create_sandbox_tool   # was: from amla_sandbox import ...

    def get_weather(city: str) -> dict:
        return {"city": city, "temp": 72}

    sandbox = create_sandbox_tool(tools=[get_weather], max_calls=50)
    sandbox.run("const w = await get_weather({city: 'SF'}); console.log(w);", language="javascript")
    sandbox.run("echo hello | tr 'a-z' 'A-Z'", language="shell")
    agent = create_react_agent(model, [sandbox.as_langchain_tool()])

What carries over: the signature ``create_sandbox_tool(tools=None, *, constraints=None,
max_calls=None)``; a ``SandboxTool`` with ``run(code, language, *, stdin=None) -> str`` (stdout,
then ``[stderr]: ...`` and ``[error]: ...``, or ``(no output)``), ``execute`` and ``shell``
answering an ``ExecutionResult`` (``stdout``, ``stderr``, ``return_value``, ``error``,
``success``), ``as_langchain_tool()`` (one tool named ``sandbox`` taking ``code`` and
``language``), ``as_langchain_tools()`` (``sandbox_js`` and ``sandbox_shell``),
``get_tool_descriptions()`` and ``get_system_prompt()``; each tool an async function of one object
in JavaScript; a returned value printed on stdout; files that last as long as the ``SandboxTool``.

``constraints`` and ``max_calls`` become airlock's policy: one ``[[allow]]`` rule per tool, with
``max_calls`` (100 per tool unless given, as in amla, counted over the ``SandboxTool``'s life) and
the argument constraints ``"<=N"`` (max), ``">=N"`` (min), ``"<N"`` (lt), ``">N"`` (gt), ``"==N"``
(eq), ``"startswith:P"`` (starts_with), a list of allowed values (in) and a number (eq).

Where it differs from amla: a constraint amla would silently ignore (an unknown form, a tool name
that is not among the tools) raises ``ValueError``; a failed script has ``success=False`` and an
``error`` naming the failure (amla reports an uncaught error on stderr only); ``return_value`` is
the returned value (amla leaves it ``None``); messages (a denied call, an uncaught error) are
airlock's; the shell is airlock's (a tool is ``tool NAME --arg value``); ``SandboxTool.sandbox``
is an ``airlock.Sandbox``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import RunResult, Sandbox
from .._adapters import failure_text, tool_line

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

__all__ = ["DEFAULT_MAX_CALLS", "ExecutionResult", "SandboxTool", "create_sandbox_tool"]

DEFAULT_MAX_CALLS = 100
"""Calls allowed per tool when ``max_calls`` does not say otherwise (amla's default)."""

_STDIN_FILE = "/tmp/.amla-stdin"

_SHELL_TOOLS = "grep, sed, awk, jq, tr, head, tail, sort, uniq, wc, cut, cat, find, xargs, ls"


@dataclass
class ExecutionResult:
    """What one run produced, as amla-sandbox reports it."""

    stdout: str = ""
    stderr: str = ""
    return_value: Any = None
    error: str | None = None
    success: bool = True

    def __str__(self) -> str:
        if self.error:
            return f"Error: {self.error}\n{self.stderr}"
        return self.stdout

    def to_tool_message(self) -> str:
        """stdout, then ``[stderr]: ...`` and ``[error]: ...`` lines; ``(no output)`` if none."""
        parts = [self.stdout] if self.stdout else []
        if self.stderr:
            parts.append(f"[stderr]: {self.stderr}")
        if self.error:
            parts.append(f"[error]: {self.error}")
        return "\n".join(parts) if parts else "(no output)"


class SandboxTool:
    """A sandbox an agent runs JavaScript or shell code in, with the given tools.

    ``sandbox`` is the ``airlock.Sandbox`` and ``session`` the one airlock session that serves
    every run, so files (and ``max_calls`` budgets) last as long as this object; runs started
    from several threads take turns.
    """

    name: str = "sandbox"
    description: str = (
        "Execute code in a secure sandbox.\n\n"
        'Set language="javascript" to run JavaScript with:\n'
        '- async/await for tool calls: `const data = await toolName({param: "value"});`\n'
        "- Virtual filesystem: `await fs.readFile('/workspace/data.json', 'utf8')`\n\n"
        'Set language="shell" to run shell commands with:\n'
        f"- Utilities: {_SHELL_TOOLS}\n"
        "- Pipes: `cat /workspace/data.json | jq '.items[]' | head -5`\n"
    )

    def __init__(self, sandbox: Sandbox, tools: Sequence[Callable[..., Any]] = ()) -> None:
        self.sandbox = sandbox
        self.tools = list(tools)
        self.session = sandbox.session()

    def execute(self, code: str, *, stdin: str | bytes | None = None) -> ExecutionResult:
        """Runs JavaScript (``stdin``, when given, is the code instead of ``code``)."""
        script = code if stdin is None else _text(stdin)
        return _execution_result(self.session.run(script, "javascript", check=False))

    def shell(self, command: str, *, stdin: str | bytes | None = None) -> ExecutionResult:
        """Runs a shell script, with ``stdin`` (if given) as its standard input."""
        if stdin is not None:
            self.session.fs.write_bytes(_STDIN_FILE, _bytes(stdin))
            command = f"{{\n{command}\n}} < {_STDIN_FILE}"
        return _execution_result(self.session.run(command, "shell", check=False))

    def run(self, code: str, language: str, *, stdin: str | bytes | None = None) -> str:
        """Runs ``code`` (``language`` is ``"javascript"`` or ``"shell"``); text for a model."""
        if language == "shell":
            return self.shell(code, stdin=stdin).to_tool_message()
        return self.execute(code, stdin=stdin).to_tool_message()

    def as_langchain_tool(self) -> StructuredTool:
        """A LangChain tool named ``sandbox`` taking ``code`` and ``language``."""
        from langchain_core.tools import StructuredTool
        from pydantic import Field, create_model

        args_schema = create_model(
            "CodeInput",
            code=(str, Field(description="Code to execute")),
            language=(str, Field(description="Language: 'javascript' or 'shell'")),
        )
        return StructuredTool(
            name=self.name,
            description=self._tool_description(),
            args_schema=args_schema,
            func=lambda code, language: self.run(code, language),
        )

    def as_langchain_tools(self) -> list[StructuredTool]:
        """Two LangChain tools: ``sandbox_js`` (``code``) and ``sandbox_shell`` (``command``)."""
        from langchain_core.tools import StructuredTool
        from pydantic import Field, create_model

        js_input = create_model(
            "JSInput", code=(str, Field(description="JavaScript code to execute"))
        )
        shell_input = create_model(
            "ShellInput", command=(str, Field(description="Shell command to execute"))
        )
        js_lines = ["Execute JavaScript code in a secure sandbox.", *self._function_lines("")]
        return [
            StructuredTool(
                name="sandbox_js",
                description="\n".join(js_lines),
                args_schema=js_input,
                func=lambda code: self.run(code, "javascript"),
            ),
            StructuredTool(
                name="sandbox_shell",
                description="Execute shell commands in a secure sandbox.\n"
                f"Available: {_SHELL_TOOLS}",
                args_schema=shell_input,
                func=lambda command: self.run(command, "shell"),
            ),
        ]

    def get_tool_descriptions(self) -> str:
        """A line per tool, for a system prompt."""
        if not self.sandbox.tools:
            return "No custom tools available. Use shell commands or basic JavaScript."
        return "\n".join(tool_line(t, "javascript") for t in self.sandbox.tools)

    def get_system_prompt(self, *, include_tools: bool = True) -> str:
        """How to use the ``sandbox`` tool; with ``include_tools``, followed by airlock's own
        description of the sandbox, its tools, policy and limits."""
        usage = (
            "## Sandbox Tool Usage\n\n"
            "You have access to a `sandbox` tool that executes code securely. It accepts two "
            "parameters:\n"
            "- `code`: The code to execute (string)\n"
            '- `language`: Either "javascript" or "shell" (required)'
        )
        return f"{usage}\n\n{self.sandbox.system_prompt()}" if include_tools else usage

    def _function_lines(self, indent: str) -> list[str]:
        """``Available functions:`` and a line per tool; nothing without tools."""
        tools = self.sandbox.tools
        if not tools:
            return []
        lines = ["Available functions:", *(tool_line(t, "javascript") for t in tools)]
        return [indent + line for line in lines]

    def _tool_description(self) -> str:
        return "\n".join(
            [
                "Execute code in a secure sandbox. Two modes available:",
                "",
                "JAVASCRIPT (language='javascript'):",
                "  Call functions with async/await, output with console.log().",
                *self._function_lines("  "),
                "",
                "SHELL (language='shell'):",
                f"  Run shell commands with: {_SHELL_TOOLS}",
                "  Call a tool with: tool NAME --arg value",
            ]
        )


def create_sandbox_tool(
    tools: Sequence[Callable[..., Any]] | None = None,
    *,
    constraints: Mapping[str, Mapping[str, Any]] | None = None,
    max_calls: int | Mapping[str, int] | None = None,
) -> SandboxTool:
    """A sandbox tool for an agent, with ``tools`` callable from its code.

    ``constraints`` maps a tool's name to ``{param: constraint}``; ``max_calls`` is one limit for
    every tool or a ``{name: limit}`` dict (other tools keep the default of 100).
    """
    tools_list = list(tools or [])
    names = [tool.__name__ for tool in tools_list]
    policy = _policy(names, constraints or {}, max_calls) if tools_list else None
    return SandboxTool(Sandbox(tools=tools_list, policy=policy), tools_list)


def _policy(
    names: list[str],
    constraints: Mapping[str, Mapping[str, Any]],
    max_calls: int | Mapping[str, int] | None,
) -> dict[str, Any]:
    limited = max_calls if isinstance(max_calls, Mapping) else {}
    unknown = sorted((set(constraints) | set(limited)) - set(names))
    if unknown:
        raise ValueError(f"constraints or max_calls name tools that were not given: {unknown}")
    rules = []
    for name in names:
        rule: dict[str, Any] = {"tools": name, "max_calls": _limit(name, max_calls)}
        args = {
            param: _constraint(f"{name}.{param}", spec)
            for param, spec in constraints.get(name, {}).items()
        }
        if args:
            rule["args"] = args
        rules.append(rule)
    return {"allow": rules}


def _limit(name: str, max_calls: int | Mapping[str, int] | None) -> int:
    if max_calls is None:
        return DEFAULT_MAX_CALLS
    if isinstance(max_calls, Mapping):
        return max_calls.get(name, DEFAULT_MAX_CALLS)
    return max_calls


_COMPARISONS = (("<=", "max"), (">=", "min"), ("==", "eq"), ("<", "lt"), (">", "gt"))


def _constraint(where: str, spec: Any) -> dict[str, Any]:
    """An amla constraint as an airlock argument constraint."""
    if isinstance(spec, list):
        return {"in": spec}
    if isinstance(spec, (int, float)):
        return {"eq": spec}
    if isinstance(spec, str) and spec.startswith("startswith:"):
        return {"starts_with": spec.removeprefix("startswith:")}
    if isinstance(spec, str):
        for prefix, key in _COMPARISONS:
            if spec.startswith(prefix):
                return {key: _number(where, spec[len(prefix) :])}
    raise ValueError(
        f"constraint {where} = {spec!r}: expected '<=N', '>=N', '<N', '>N', '==N', "
        "'startswith:PREFIX', a list of allowed values or a number"
    )


def _number(where: str, text: str) -> int | float:
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        raise ValueError(f"constraint {where}: {text.strip()!r} is not a number") from None


def _execution_result(result: RunResult) -> ExecutionResult:
    error = failure_text(result)
    return ExecutionResult(
        stdout=result.stdout,
        stderr=result.stderr,
        return_value=result.value,
        error=error,
        success=error is None,
    )


def _text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode("utf-8")


def _bytes(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data
