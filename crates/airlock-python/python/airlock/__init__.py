"""airlock: run the code an AI agent writes, safely.

A script (JavaScript, or a POSIX shell with the usual text tools) runs inside WebAssembly over a
virtual filesystem, with time, memory and output limits. It reaches the outside only through
tools: your Python functions, checked on every call against their JSON Schema and a capability
policy, and recorded in a tamper-evident journal if you ask for one.

>>> import airlock
>>> def add(a: int, b: int) -> int:
...     '''Adds two numbers.'''
...     return a + b
>>> sandbox = airlock.Sandbox(tools=[add])
>>> with sandbox.session() as session:
...     result = session.run("return await add({ a: 2, b: 3 })")
>>> result.value
5
"""

from __future__ import annotations

import contextvars
import json
import os
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Mapping, TypeVar, overload

from . import _native
from ._errors import (
    AirlockError,
    ApprovalPending,
    ConfigError,
    FuelExhaustedError,
    Interrupted,
    JournalError,
    MemoryLimitError,
    PolicyDenied,
    ReplayDiverged,
    ScriptError,
    StackOverflowError,
    TimeoutError,
)
from ._tools import RunContext, ToolDef, native_tool, to_tool_def

if TYPE_CHECKING:
    import concurrent.futures

__all__ = [
    "Sandbox",
    "Session",
    "RunResult",
    "Usage",
    "ToolCall",
    "Limits",
    "FileSystem",
    "ToolDef",
    "tool",
    "verify_journal",
    "AirlockError",
    "ApprovalPending",
    "ConfigError",
    "FuelExhaustedError",
    "Interrupted",
    "JournalError",
    "MemoryLimitError",
    "PolicyDenied",
    "ReplayDiverged",
    "ScriptError",
    "StackOverflowError",
    "TimeoutError",
]

__version__: str = _native.__version__

Language = Literal["javascript", "typescript", "shell"]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Limits:
    """Limits of each run. ``None`` keeps the default (see ``airlock check``); durations are
    seconds (a number) or text like ``"500ms"``; sizes are bytes or text like ``"256M"``;
    ``"off"`` turns a limit off where that is allowed."""

    timeout: float | str | None = None
    """Wall-clock time of one run (default 10 s); past it the run stops with ``TimeoutError``."""
    memory: int | str | None = None
    """Guest memory of one run (default 256 MiB)."""
    stdout: int | str | None = None
    """Bytes of stdout kept (default 1 MiB); the rest is cut with a marker."""
    stderr: int | str | None = None
    """Bytes of stderr kept (default 1 MiB)."""
    source: int | str | None = None
    """Largest script accepted (default 1 MiB)."""
    fuel: int | str | None = None
    """Instruction budget of one run (default off)."""
    tool_calls_per_run: int | None = None
    """Tool calls one run may make (default 10,000)."""
    tool_timeout: float | str | None = None
    """Time one tool call may take, for tools without their own timeout (default 30 s)."""
    tool_concurrency: int | None = None
    """Tool calls of one batch (``Promise.all``) that run at the same time (default 16)."""
    tool_args: int | str | None = None
    """Bytes of one call's JSON arguments (default 1 MiB)."""
    tool_result: int | str | None = None
    """Bytes of one call's JSON result (default 4 MiB)."""
    tool_json_depth: int | None = None
    """Nesting depth of arguments and results (default 64)."""

    def _pairs(self) -> list[tuple[str, int | str]]:
        pairs: list[tuple[str, int | str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                raise ConfigError(
                    f"limit {f.name}: expected a number or text, got {type(value).__name__}"
                )
            if f.name in _DURATIONS and isinstance(value, (int, float)):
                value = f"{round(value * 1000)}ms"
            elif isinstance(value, float):
                if not value.is_integer():
                    raise ConfigError(f"limit {f.name}: expected a whole number, got {value}")
                value = int(value)
            pairs.append((f.name, value))
        return pairs


_DURATIONS = frozenset({"timeout", "tool_timeout"})


def _limit_pairs(limits: Limits | Mapping[str, Any] | None) -> list[tuple[str, int | str]]:
    if limits is None:
        return []
    if isinstance(limits, Limits):
        return limits._pairs()
    if isinstance(limits, Mapping):
        names = {f.name for f in fields(Limits)}
        unknown = sorted(set(limits) - names)
        if unknown:
            raise ConfigError(
                f"unknown limit {unknown[0]!r}", hint=f"the limits are {', '.join(sorted(names))}"
            )
        return Limits(**limits)._pairs()
    raise ConfigError(f"limits must be airlock.Limits or a dict, got {type(limits).__name__}")


@dataclass(frozen=True)
class Usage:
    """Resources one run used."""

    wall_ms: float
    peak_memory: int
    tool_calls: int
    fuel: int | None = None


@dataclass(frozen=True)
class ToolCall:
    """One tool call a run made, in the order the script made them."""

    tool: str
    args: Any
    rule: str | None
    result: Any
    error_code: str | None
    error_message: str | None
    duration_ms: float
    line: int | None
    error_data: Any = None

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error_code is None


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced."""

    value: Any
    """The script's return value (``return x`` at the top level), as JSON types."""
    stdout: str
    stderr: str
    exit_code: int
    termination: str
    """Why the run ended: ``exited``, ``timeout``, ``out_of_memory``, ``out_of_fuel``,
    ``stack_overflow``, ``crashed``, ``diverged``, ``pending`` or ``interrupted``."""
    usage: Usage
    calls: list[ToolCall] = field(default_factory=list)
    detail: str | None = None
    """More about a ``crashed``, ``diverged`` or ``pending`` run."""

    @property
    def ok(self) -> bool:
        """Whether the script exited with code 0."""
        return self.exit_code == 0


def _result(encoded: tuple[str, str, str]) -> RunResult:
    meta_json, stdout, stderr = encoded
    meta = json.loads(meta_json)
    return RunResult(
        value=meta["value"],
        stdout=stdout,
        stderr=stderr,
        exit_code=meta["exit_code"],
        termination=meta["termination"],
        usage=Usage(**meta["usage"]),
        calls=[ToolCall(**c) for c in meta["calls"]],
        detail=meta["detail"],
    )


_FAILURES: dict[str, tuple[type[AirlockError], str]] = {
    "timeout": (TimeoutError, "the run reached its time limit"),
    "out_of_memory": (MemoryLimitError, "the run reached its memory limit"),
    "out_of_fuel": (FuelExhaustedError, "the run used up its fuel budget"),
    "stack_overflow": (StackOverflowError, "the script recursed too deeply"),
    "diverged": (ReplayDiverged, "the replay diverged from the recording"),
    "pending": (ApprovalPending, "a call waits for an approval"),
    "interrupted": (Interrupted, "the run was interrupted"),
    "crashed": (AirlockError, "the run crashed"),
}


_LIMIT_HINTS = {
    "timeout": "make the script do less, or raise the limit: airlock.Limits(timeout=...)",
    "out_of_memory": "process data in smaller pieces, or raise airlock.Limits(memory=...)",
    "out_of_fuel": "make the script do less, or raise airlock.Limits(fuel=...)",
    "stack_overflow": "turn deep recursion into a loop or an explicit stack",
}


def _check(result: RunResult) -> RunResult:
    """Raises the exception a failed run stands for."""
    if result.ok:
        return result
    stderr = result.stderr.strip()
    # A hint the script's error or airlock's own message ends with.
    last = stderr.splitlines()[-1] if stderr else ""
    hint = last[len("hint: ") :] if last.startswith("hint: ") else None
    if result.termination in _FAILURES:
        cls, what = _FAILURES[result.termination]
        message = result.detail or what
        hint = _LIMIT_HINTS.get(result.termination, hint)
        raise cls(f"{message} (exit code {result.exit_code})", hint=hint, result=result)
    message = f"the script exited with code {result.exit_code}"
    if stderr:
        message += ": " + _tail(stderr)
    raise ScriptError(message, hint=hint, result=result)


def _tail(text: str, lines: int = 6, chars: int = 2000) -> str:
    kept = "\n".join(text.splitlines()[-lines:])
    return kept[-chars:]


class FileSystem:
    """A session's virtual filesystem, seen from Python. Relative paths are relative to
    ``/workspace``, the script's working directory."""

    def __init__(self, native: Any) -> None:
        self._native = native

    @staticmethod
    def _path(path: str | os.PathLike[str]) -> str:
        text = os.fspath(path)
        return text if text.startswith("/") else f"/workspace/{text}"

    def read_bytes(self, path: str | os.PathLike[str]) -> bytes:
        return bytes(self._native.read(self._path(path)))

    def read_text(self, path: str | os.PathLike[str], encoding: str = "utf-8") -> str:
        return self.read_bytes(path).decode(encoding)

    def write_bytes(self, path: str | os.PathLike[str], data: bytes) -> None:
        """Writes a file, creating its parent folders."""
        self._native.write(self._path(path), bytes(data))

    def write_text(self, path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
        """Writes a text file, creating its parent folders."""
        self.write_bytes(path, text.encode(encoding))

    def exists(self, path: str | os.PathLike[str]) -> bool:
        return bool(self._native.exists(self._path(path)))

    def listdir(self, path: str | os.PathLike[str] = ".") -> list[str]:
        """The names in a folder, sorted."""
        text = os.fspath(path)
        where = "/workspace" if text in ("", ".") else self._path(text)
        return sorted(name for name, _ in self._native.listdir(where))

    def is_dir(self, path: str | os.PathLike[str]) -> bool:
        parent, _, name = self._path(path).rstrip("/").rpartition("/")
        if not name:
            return True
        try:
            return any(n == name and d for n, d in self._native.listdir(parent or "/"))
        except (FileNotFoundError, NotADirectoryError):
            return False

    def remove(self, path: str | os.PathLike[str], recursive: bool = False) -> None:
        """Removes a file, or a folder (with ``recursive=True`` when it is not empty)."""
        self._native.remove(self._path(path), recursive)


class _Decoder:
    """Turns output chunks into text without splitting a character across two calls."""

    def __init__(self, handler: Callable[[str, str], Any]) -> None:
        import codecs

        self._handler = handler
        self._decoders = {
            s: codecs.getincrementaldecoder("utf-8")(errors="replace")
            for s in ("stdout", "stderr")
        }

    def __call__(self, stream: str, data: bytes) -> None:
        text = self._decoders[stream].decode(data)
        if text:
            self._handler(stream, text)


_executor_lock = threading.Lock()
_executor: concurrent.futures.ThreadPoolExecutor | None = None


def _run_threads() -> concurrent.futures.ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            import concurrent.futures

            _executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=64, thread_name_prefix="airlock-run"
            )
        return _executor


class Session:
    """One agent's sandbox: a filesystem, budgets and a journal that persist across runs.

    Made by :meth:`Sandbox.session`; also a context manager. A session runs one script at a
    time; different sessions run in parallel from different threads.
    """

    def __init__(self, sandbox: Sandbox, native: Any) -> None:
        self._sandbox = sandbox
        self._native = native
        self.fs = FileSystem(native)
        """The session's files."""

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops a run in progress. The session's files stay readable."""
        self._native.interrupt()

    @property
    def sandbox(self) -> Sandbox:
        return self._sandbox

    @property
    def runs(self) -> int:
        """How many runs this session has made."""
        return int(self._native.runs())

    @property
    def journal_head(self) -> str | None:
        """The hash of the journal's last entry (keep it to detect a cut tail later)."""
        head: str | None = self._native.journal_head()
        return head

    def set_limits(self, limits: Limits | Mapping[str, Any]) -> None:
        """Changes limits for this session's later runs (the memory limit can only go down)."""
        self._native.set_limits(_limit_pairs(limits))

    def run(
        self,
        code: str,
        language: Language = "javascript",
        *,
        check: bool = True,
        filename: str | None = None,
    ) -> RunResult:
        """Runs ``code`` and returns what it produced.

        The GIL is released for the whole run; Python tools the script calls take it while
        they run. With ``check=True`` (the default) a run that does not exit 0 raises the
        matching :class:`AirlockError` (its ``.result`` holds the run); with ``check=False``
        the result is returned as is.
        """
        context = RunContext(loop=None, context=contextvars.copy_context())
        return self._finish(self._native.run(code, _language(language), filename, context), check)

    async def run_async(
        self,
        code: str,
        language: Language = "javascript",
        *,
        check: bool = True,
        filename: str | None = None,
    ) -> RunResult:
        """Like :meth:`run`, without blocking the event loop: the guest runs on a worker
        thread, and async tools run on this loop. Cancelling the awaiting task stops the guest
        at once; the session stays usable."""
        import asyncio

        loop = asyncio.get_running_loop()
        context = RunContext(loop=loop, context=contextvars.copy_context())
        native = self._native
        lang = _language(language)
        work = _run_threads().submit(native.run, code, lang, filename, context)
        try:
            encoded = await asyncio.wrap_future(work)
        except asyncio.CancelledError:
            # Not started yet: it never will. Started: stop the guest now.
            if not work.cancel():
                native.interrupt()
            raise
        return self._finish(encoded, check)

    def interrupt(self) -> None:
        """Stops the run in progress (from any thread); it ends with ``Interrupted``."""
        self._native.interrupt()

    def call(self, tool_name: str, args: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Any:
        """Calls a tool from Python through the same checks as a script's call (schema,
        policy, budgets, journal) and returns its result. Raises :class:`PolicyDenied` when
        the policy refuses it, :class:`ScriptError` (with the call's ``code``) when it fails."""
        arguments = {**(args or {}), **kwargs}
        script = (
            f"return await tools.call({json.dumps(tool_name)}, "
            f"{json.dumps(arguments, ensure_ascii=False)})"
        )
        result = self.run(script, check=False, filename="call.js")
        failed = next((c for c in reversed(result.calls) if not c.ok), None)
        if failed is not None:
            cls: type[AirlockError] = PolicyDenied if failed.error_code == "EPOLICY" else ScriptError
            raise cls(failed.error_message or "the call failed", code=failed.error_code, result=result)
        return _check(result).value

    def as_langchain_tool(
        self,
        *,
        name: str = "run_code",
        description: str | None = None,
        language: Language = "javascript",
    ) -> Any:
        """This session as a LangChain ``StructuredTool`` taking ``{"code": str}``: its content
        is text for the model (output, returned value, or the error in words, so the agent
        loop goes on) and its artifact the :class:`RunResult`. LangChain tools the script calls
        run under this tool's run, so traces nest."""
        from . import _adapters

        return _adapters.as_langchain_tool(self, name=name, description=description, language=language)

    def as_openai_agents_tool(
        self,
        *,
        name: str = "run_code",
        description: str | None = None,
        language: Language = "javascript",
    ) -> Any:
        """This session as an OpenAI Agents SDK ``FunctionTool`` (strict schema, ``{"code": str}``)."""
        from . import _adapters

        return _adapters.as_openai_agents_tool(
            self, name=name, description=description, language=language
        )

    def codeact_eval(
        self, language: Language = "javascript"
    ) -> Callable[[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        """An ``eval_fn`` for langgraph-codeact's ``create_codeact``: runs the model's code in
        this session and carries the script's JSON-serialisable top-level variables to the
        next turn."""
        from . import _adapters

        return _adapters.codeact_eval(self, language=language)

    def _finish(self, encoded: tuple[str, str, str], check: bool) -> RunResult:
        """A run's result, raising when the journal stopped, or (with ``check``) the run failed."""
        result = _result(encoded)
        why = self._native.journal_failure()
        if why:
            raise JournalError(f"the journal stopped being written: {why}", result=result)
        return _check(result) if check else result


def _language(language: str) -> str:
    if language in ("javascript", "js", "typescript", "ts", "shell", "sh"):
        return language
    raise ConfigError(
        f"unknown language {language!r}", hint='use "javascript", "typescript" or "shell"'
    )


def _policy_text(policy: Any) -> tuple[str | None, str]:
    """The policy as TOML text and the name its errors use."""
    if policy is None:
        return None, "policy"
    if isinstance(policy, os.PathLike):
        path = Path(policy)
        try:
            return path.read_text(encoding="utf-8"), path.name
        except OSError as e:
            raise ConfigError(f"cannot read the policy file {path}: {e}") from e
    if isinstance(policy, str):
        return policy, "the policy"
    if isinstance(policy, Mapping):
        unknown = sorted(set(policy) - {"allow", "deny"})
        if unknown:
            raise ConfigError(
                f"unknown key {unknown[0]!r} in the policy",
                hint='a policy dict has "allow" and "deny": lists of rules, as [[allow]] and [[deny]] in airlock.toml',
            )
        return _toml_of(policy), "the policy dict"
    raise ConfigError(
        f"policy must be a dict, TOML text or a path, got {type(policy).__name__}"
    )


def _toml_of(policy: Mapping[str, Any]) -> str:
    """A policy dict as TOML (``[[allow]]`` and ``[[deny]]`` tables of inline values)."""
    out: list[str] = []
    for section in ("allow", "deny"):
        rules = policy.get(section, [])
        if not isinstance(rules, list):
            raise ConfigError(f"policy {section!r} must be a list of rules, got {type(rules).__name__}")
        for i, rule in enumerate(rules):
            if not isinstance(rule, Mapping):
                raise ConfigError(f"policy {section}[{i}] must be a dict, got {type(rule).__name__}")
            out.append(f"[[{section}]]")
            for key, value in rule.items():
                out.append(f"{_toml_key(key)} = {_toml_value(value, f'policy {section}[{i}].{key}')}")
    return "\n".join(out) + "\n"


def _mcp_toml(servers: Mapping[str, Mapping[str, Any]]) -> str:
    """``mcp_servers`` as ``[mcp_servers.NAME]`` tables."""
    if not isinstance(servers, Mapping):
        raise ConfigError(f"mcp_servers must be a dict of name -> server, got {type(servers).__name__}")
    out: list[str] = []
    for name, server in servers.items():
        if not isinstance(server, Mapping):
            raise ConfigError(f"mcp_servers[{name!r}] must be a dict, got {type(server).__name__}")
        out.append(f"[mcp_servers.{_toml_key(name)}]")
        for key, value in server.items():
            if isinstance(value, os.PathLike):
                value = os.fspath(value)
            out.append(f"{_toml_key(key)} = {_toml_value(value, f'mcp_servers.{name}.{key}')}")
    return "\n".join(out) + "\n"


def _toml_key(key: Any) -> str:
    if not isinstance(key, str):
        raise ConfigError(f"policy keys must be strings, got {key!r}")
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def _toml_value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value != value:
            raise ConfigError(f"{where}: NaN is not a valid value")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v, where) for v in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(v, f'{where}.{k}')}" for k, v in value.items())
        return "{ " + items + " }"
    raise ConfigError(f"{where}: {type(value).__name__} values are not allowed (got {value!r})")


class Sandbox:
    """The engine, the compiled guest, and the tools, policy and limits its sessions get.

    Build one per process (the first build compiles the guest, about a second; later ones load
    it from the on-disk cache) and share it: it is thread-safe.

    ``tools``: functions (their schema comes from type hints, their description from the
    docstring), ``@airlock.tool`` functions, LangChain tools, OpenAI Agents ``FunctionTool``\\ s,
    or ``(definition, handler)`` pairs of OpenAI, Anthropic or MCP tool definitions.
    ``policy``: a dict with ``allow`` and ``deny`` lists shaped like ``airlock.toml``'s
    ``[[allow]]`` and ``[[deny]]``, TOML text, or a path; ``None`` allows every tool.
    ``mcp_servers``: upstream MCP servers whose tools the script gets as ``NAME/tool``, by name,
    each shaped like ``[mcp_servers.NAME]``: ``{"command": ["python", "server.py"]}`` (stdio) or
    ``{"url": "http://..."}`` (streamable HTTP), with optional ``env``, ``cwd``, ``tools``
    (a pattern), ``timeout`` and ``start_timeout``. They start when the sandbox is built.
    ``max_concurrent_runs``: runs of all its sessions at the same time (each holds a
    pre-allocated instance slot); more wait for a free slot rather than fail.
    """

    def __init__(
        self,
        tools: Iterable[Any] = (),
        policy: Mapping[str, Any] | str | os.PathLike[str] | None = None,
        limits: Limits | Mapping[str, Any] | None = None,
        mcp_servers: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        max_concurrent_runs: int = 16,
        cache_dir: str | os.PathLike[str] | None = None,
        _config: str | os.PathLike[str] | None = None,
    ) -> None:
        if not isinstance(max_concurrent_runs, int) or max_concurrent_runs < 1:
            raise ConfigError(
                f"max_concurrent_runs must be a positive whole number, got {max_concurrent_runs!r}"
            )
        self._tools = [to_tool_def(t) for t in tools]
        policy_text, policy_name = _policy_text(policy)
        self._native = _native.NativeSandbox(
            [native_tool(t) for t in self._tools],
            policy_text,
            policy_name,
            _limit_pairs(limits),
            None if _config is None else os.fspath(_config),
            None if cache_dir is None else os.fspath(cache_dir),
            None if mcp_servers is None else _mcp_toml(mcp_servers),
            max_concurrent_runs,
        )

    @classmethod
    def from_config(
        cls,
        path: str | os.PathLike[str],
        tools: Iterable[Any] = (),
        limits: Limits | Mapping[str, Any] | None = None,
        *,
        max_concurrent_runs: int = 16,
        cache_dir: str | os.PathLike[str] | None = None,
    ) -> Sandbox:
        """A sandbox configured by an ``airlock.toml`` (its limits, tools, components, MCP
        servers, network, policy and layers), with ``tools`` added beside the file's own and
        ``limits`` applied over the file's."""
        return cls(
            tools,
            None,
            limits,
            max_concurrent_runs=max_concurrent_runs,
            cache_dir=cache_dir,
            _config=path,
        )

    def session(
        self,
        journal: str | os.PathLike[str] | None = None,
        deterministic: bool = False,
        seed: int | None = None,
        on_output: Callable[[str, str], Any] | None = None,
    ) -> Session:
        """A new session with an empty filesystem.

        ``journal``: a file to record every run and tool call in (hash-chained JSON lines,
        see :func:`verify_journal`). ``deterministic``: a virtual clock and seeded randomness,
        so the same script and tool results give the same output. ``seed``: seeds randomness
        only. ``on_output(stream, text)``: called with output as the script writes it.
        """
        native = self._native.session()
        if journal is not None:
            native.set_journal(os.fspath(journal))
        if deterministic:
            native.set_deterministic(0 if seed is None else seed)
        elif seed is not None:
            native.set_seed(seed)
        if on_output is not None:
            native.on_output(_Decoder(on_output))
        return Session(self, native)

    @property
    def tools(self) -> list[dict[str, Any]]:
        """The tools a script sees: name, description and schemas."""
        tools: list[dict[str, Any]] = json.loads(self._native.tools_json())
        return tools

    @property
    def limits(self) -> dict[str, str]:
        """The effective limits, as ``airlock check`` shows them."""
        return {name: value for name, value, _ in self._native.limits()}

    def typescript(self) -> str:
        """TypeScript declarations of the tools, as the model should see them."""
        text: str = self._native.typescript()
        return text

    def system_prompt(self) -> str:
        """A system-prompt section (Markdown) telling a model how to use this sandbox."""
        text: str = self._native.system_prompt()
        return text

    def replay(
        self, path: str | os.PathLike[str], code: str | None = None, *, check: bool = True
    ) -> list[RunResult]:
        """Re-runs the runs recorded in the journal at ``path``, serving every tool result from
        the recording (no tool is called). ``code`` replaces each recorded script, to test a
        change against recorded results. Raises :class:`ReplayDiverged` when a call differs
        from the recording."""
        results = [_result(r) for r in self._native.replay(os.fspath(path), code)]
        if check:
            for result in results:
                if result.termination == "diverged":
                    _check(result)
        return results


@overload
def tool(fn: F, /) -> F: ...
@overload
def tool(
    *, name: str | None = None, description: str | None = None, timeout: float | None = None
) -> Callable[[F], F]: ...
def tool(
    fn: Any = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> Any:
    """Marks a function as a tool, overriding its name (``"bank/transfer"`` makes
    ``bank.transfer`` in the script), description or timeout (seconds). The function itself is
    returned unchanged, still callable from Python."""

    def mark(f: F) -> F:
        from ._schema import tool_def_from_callable

        f.__airlock_tool__ = tool_def_from_callable(  # type: ignore[attr-defined]
            f, name=name, description=description, timeout=timeout
        )
        return f

    return mark if fn is None else mark(fn)


def verify_journal(path: str | os.PathLike[str]) -> str:
    """Checks a journal's hash chain; returns a one-line report, raises :class:`JournalError`
    naming the first bad line."""
    report: str = _native.verify_journal(os.fspath(path))
    return report
