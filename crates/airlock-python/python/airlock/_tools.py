"""Tools as the sandbox sees them, and how a call reaches a Python callable.

A :class:`ToolDef` is the one shape every kind of tool is turned into (a plain function, an
``@airlock.tool``, a LangChain tool, an OpenAI Agents ``FunctionTool``, a tool definition with a
handler). The native module gets each as a small record whose handler follows one of two
calling conventions:

- a sync handler runs on a worker thread of the sandbox (the script's ``Promise.all`` over sync
  tools runs them in parallel, bounded by the ``tool_concurrency`` limit);
- an async handler runs as a task on an event loop: the caller's loop for
  :meth:`Session.run_async`, else a loop airlock keeps on a background thread.

Either way the tool runs in a copy of the caller's ``contextvars`` context, so context-local
state (tracing spans, a LangChain run config) reaches it from the call that started the run.
"""

from __future__ import annotations

import atexit
import contextvars
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    import asyncio

__all__ = ["ToolDef", "to_tool_def"]


@dataclass
class ToolDef:
    """A tool: its name and description as the model sees them, the JSON Schema of its
    arguments, and the handler that serves a call with the validated arguments (a ``dict``)."""

    name: str
    description: str
    input_schema: dict[str, Any]
    handler: Callable[[dict[str, Any]], Any]
    is_async: bool
    timeout: float | None = None
    output_schema: dict[str, Any] | None = field(default=None)


def to_tool_def(obj: Any) -> ToolDef:
    """Turns anything :class:`airlock.Sandbox` accepts as a tool into a :class:`ToolDef`."""
    if isinstance(obj, ToolDef):
        return obj
    marked = getattr(obj, "__airlock_tool__", None)
    if isinstance(marked, ToolDef):
        return marked
    from ._adapters import tool_def_from_object

    adapted = tool_def_from_object(obj)
    if adapted is not None:
        return adapted
    if callable(obj):
        from ._schema import tool_def_from_callable

        return tool_def_from_callable(obj)
    raise TypeError(
        f"cannot use {obj!r} as a tool: expected a function, an @airlock.tool, a LangChain tool, "
        "an OpenAI Agents FunctionTool, or a (definition, handler) pair"
    )


@dataclass
class RunContext:
    """What a run hands its tools: the event loop for async tools (``None`` means airlock's
    background loop) and the caller's context."""

    loop: asyncio.AbstractEventLoop | None
    context: contextvars.Context


@dataclass
class NativeTool:
    """The record the native module reads a tool from."""

    name: str
    description: str
    input_schema: str
    output_schema: str | None
    timeout: float | None
    handler: Callable[..., Any]
    is_async: bool


def native_tool(tool: ToolDef) -> NativeTool:
    handler = _async_submitter(tool) if tool.is_async else _sync_invoker(tool)
    return NativeTool(
        name=tool.name,
        description=tool.description,
        input_schema=json.dumps(tool.input_schema),
        output_schema=None if tool.output_schema is None else json.dumps(tool.output_schema),
        timeout=tool.timeout,
        handler=handler,
        is_async=tool.is_async,
    )


def _encode(value: Any) -> str:
    from ._schema import to_json

    return json.dumps(to_json(value), ensure_ascii=False, allow_nan=False)


def _sync_invoker(tool: ToolDef) -> Callable[[str, RunContext | None], str]:
    handler = tool.handler

    def invoke(args_json: str, run: RunContext | None) -> str:
        args = json.loads(args_json)
        if run is None:
            return _encode(handler(args))
        # A copy per call: calls of one batch run in parallel, and one Context cannot be
        # entered twice at once.
        return _encode(run.context.copy().run(handler, args))

    return invoke


def _async_submitter(tool: ToolDef) -> Callable[[str, Any, RunContext | None], None]:
    handler = tool.handler

    async def serve(args_json: str) -> str:
        return _encode(await handler(json.loads(args_json)))

    def submit(args_json: str, reply: Any, run: RunContext | None) -> None:
        loop = run.loop if run is not None and run.loop is not None else background_loop()
        context = run.context.copy() if run is not None else None

        def start() -> None:
            task = loop.create_task(serve(args_json), context=context)
            task.add_done_callback(lambda t: _answer(reply, t))

        loop.call_soon_threadsafe(start)

    return submit


def _answer(reply: Any, task: asyncio.Task[str]) -> None:
    if task.cancelled():
        reply.error("CancelledError", "the tool's task was cancelled")
        return
    error = task.exception()
    if error is None:
        reply.ok(task.result())
    else:
        reply.error(type(error).__name__, str(error))


def _wait_for_tools() -> None:
    from . import _native

    _native.wait_for_tools()


# Sync tools run on the sandbox's own threads; a call still running (one whose timeout passed)
# finishes before the interpreter exits, as Python's own worker threads do.
atexit.register(_wait_for_tools)

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def background_loop() -> asyncio.AbstractEventLoop:
    """The event loop async tools run on when the run was not started from one."""
    global _loop
    with _loop_lock:
        if _loop is None:
            import asyncio

            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="airlock-tools", daemon=True).start()
            _loop = loop
        return _loop
