"""Agent frameworks and airlock: LangChain, OpenAI Agents SDK and MCP/OpenAI/Anthropic tools used
from scripts; a session used as a LangChain tool, an OpenAI Agents tool and a LangGraph CodeAct
sandbox; and the amla-sandbox drop-in. Needs tests/requirements-frameworks.txt installed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import mcp.types
import pytest
from agents import FunctionTool, RunContextWrapper, function_tool
from agents.tool_context import ToolContext
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.tools import StructuredTool, tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph_codeact import create_codeact

import airlock
from airlock._adapters import tool_def_from_object
from airlock.compat.amla import ExecutionResult, SandboxTool, create_sandbox_tool


@tool
def multiply(a: int, b: int) -> int:
    """Multiplies two integers."""
    return a * b


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city."""
    return {"city": city, "temp": 21}


class RunRecorder(BaseCallbackHandler):
    """Records (tool name, run id, parent run id) of every LangChain tool run."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, UUID, UUID | None]] = []

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        self.runs.append((serialized["name"], run_id, parent_run_id))

    def run_id(self, name: str) -> UUID:
        return next(run for tool_name, run, _ in self.runs if tool_name == name)

    def parent(self, name: str) -> UUID | None:
        return next(parent for tool_name, _, parent in self.runs if tool_name == name)


def tool_call(code: str) -> dict[str, Any]:
    return {"type": "tool_call", "id": "call_1", "name": "run_code", "args": {"code": code}}


def agents_context(arguments: str, context: Any = None) -> ToolContext[Any]:
    return ToolContext(
        context=context, tool_name="run_code", tool_call_id="call_1", tool_arguments=arguments
    )


LOOKUPS: list[str] = []


async def _lookup(key: str) -> str:
    await asyncio.sleep(0)
    LOOKUPS.append(key)
    return key.upper()


@tool
def explode(reason: str) -> str:
    """Always fails."""
    raise ValueError(reason)


@function_tool
def convert(amount: float, currency: str) -> dict[str, Any]:
    """Converts an amount to euros.

    Args:
        amount: How much.
        currency: ISO code of the amount's currency.
    """
    return {"eur": amount * 2, "from": currency}


@function_tool
def broken(x: int) -> str:
    """Fails."""
    raise RuntimeError("boom")


@function_tool(failure_error_function=None)
def strict(x: int) -> str:
    """Fails and raises."""
    raise RuntimeError("boom")


@function_tool
def whoami(ctx: RunContextWrapper[dict[str, str]]) -> str:
    """The current user."""
    return ctx.context["user"]


USER_SCHEMA = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
DEFINITIONS = {
    "openai_chat": {
        "type": "function",
        "function": {
            "name": "lookup_chat",
            "description": "Finds a user.",
            "parameters": USER_SCHEMA,
        },
    },
    "openai_responses": {
        "type": "function",
        "name": "lookup_responses",
        "description": "Finds a user.",
        "parameters": USER_SCHEMA,
    },
    "anthropic": {
        "name": "lookup_anthropic",
        "description": "Finds a user.",
        "input_schema": USER_SCHEMA,
    },
    "mcp": {
        "name": "lookup_mcp",
        "description": "Finds a user.",
        "inputSchema": USER_SCHEMA,
        "outputSchema": {"type": "object", "properties": {"name": {"type": "string"}}},
    },
}
RECEIVED: list[dict[str, Any]] = []


def _find_user(args: dict[str, Any]) -> dict[str, Any]:
    RECEIVED.append(args)
    return {"name": f"user{args['id']}"}


async def _find_user_async(args: dict[str, Any]) -> str:
    await asyncio.sleep(0)
    return f"user{args['id']}"


@pytest.fixture(scope="module")
def sandbox() -> airlock.Sandbox:
    """One sandbox with every kind of framework tool (building a sandbox is the slow part)."""
    return airlock.Sandbox(
        tools=[
            multiply,
            get_weather,
            explode,
            StructuredTool.from_function(coroutine=_lookup, name="lookup", description="Looks up."),
            StructuredTool.from_function(
                func=lambda q: q, name="web.search v2", description="Searches."
            ),
            convert,
            broken,
            strict,
            whoami,
            *((definition, _find_user) for definition in DEFINITIONS.values()),
            ({"name": "9-lives", "input_schema": {"type": "object"}}, _find_user),
            ({**DEFINITIONS["anthropic"], "name": "lookup_async"}, _find_user_async),
        ]
    )


@pytest.fixture
def session(sandbox: airlock.Sandbox) -> Iterator[airlock.Session]:
    with sandbox.session() as session:
        yield session


def info(sandbox: airlock.Sandbox, name: str) -> dict[str, Any]:
    return next(t for t in sandbox.tools if t["name"] == name)


# --- tools from frameworks -------------------------------------------------------------------


def test_a_langchain_tool_gets_the_arguments_and_its_result_reaches_the_script(
    session: airlock.Session,
) -> None:
    result = session.run("const n = await multiply({ a: 6, b: 7 }); return n + 1")
    assert result.value == 43
    assert [(c.tool, c.args, c.result) for c in result.calls] == [
        ("multiply", {"a": 6, "b": 7}, 42)
    ]


def test_a_langchain_tool_keeps_its_description_and_argument_schema(
    sandbox: airlock.Sandbox,
) -> None:
    multiply_info = info(sandbox, "multiply")
    assert multiply_info["description"] == "Multiplies two integers."
    schema = multiply_info["input_schema"]
    assert schema["properties"] == {"a": {"type": "integer"}, "b": {"type": "integer"}}
    assert sorted(schema["required"]) == ["a", "b"]


def test_a_langchain_tool_is_checked_against_its_schema(session: airlock.Session) -> None:
    result = session.run("try { await multiply({ a: 'six', b: 7 }) } catch (e) { return e.code }")
    assert result.value == "EINVAL"


def test_an_async_langchain_tool_runs_its_coroutine(sandbox: airlock.Sandbox) -> None:
    async def main() -> airlock.RunResult:
        with sandbox.session() as session:
            return await session.run_async("return await lookup({ key: 'a' })")

    LOOKUPS.clear()
    assert asyncio.run(main()).value == "A"
    with sandbox.session() as session:
        assert session.run("return await lookup({ key: 'b' })").value == "B"
    assert LOOKUPS == ["a", "b"]


def test_a_failing_langchain_tool_is_a_catchable_error_in_the_script(
    session: airlock.Session,
) -> None:
    result = session.run(
        "try { await explode({ reason: 'no fuel' }) } catch (e) { return [e.code, e.message] }"
    )
    code, message = result.value
    assert code == "ETOOL"
    assert "ValueError" in message and "no fuel" in message


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_langchain_tools_called_by_the_script_nest_under_the_run_code_run(
    session: airlock.Session, mode: str
) -> None:
    recorder = RunRecorder()
    run_code = session.as_langchain_tool()
    call = tool_call("return await multiply({ a: 2, b: 3 })")
    config: RunnableConfig = {"callbacks": [recorder]}
    if mode == "sync":
        message = run_code.invoke(call, config=config)
    else:
        message = asyncio.run(run_code.ainvoke(call, config=config))
    assert message.artifact.value == 6
    assert recorder.parent("run_code") is None
    assert recorder.parent("multiply") == recorder.run_id("run_code")


def test_framework_tool_names_are_kept_with_other_characters_replaced(
    sandbox: airlock.Sandbox, session: airlock.Session
) -> None:
    names = [t["name"] for t in sandbox.tools]
    assert "web_search_v2" in names and "_9-lives" in names
    assert session.run("return await web_search_v2({ q: 'x' })").value == "x"


def test_an_openai_agents_function_tool_is_an_airlock_tool(
    sandbox: airlock.Sandbox, session: airlock.Session
) -> None:
    schema = info(sandbox, "convert")["input_schema"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["currency"]["description"] == "ISO code of the amount's currency."
    result = session.run("return await convert({ amount: 5, currency: 'USD' })")
    assert result.value == {"eur": 10, "from": "USD"}


def test_an_openai_agents_tool_failure_reaches_the_script_as_the_sdk_reports_it(
    session: airlock.Session,
) -> None:
    soft = session.run("return await broken({ x: 1 })")
    hard = session.run("try { await strict({ x: 1 }) } catch (e) { return e.code }")
    assert isinstance(soft.value, str) and "error" in soft.value.lower()
    assert hard.value == "ETOOL"


@pytest.mark.parametrize("form", list(DEFINITIONS))
def test_a_definition_and_handler_pair_is_a_tool(
    sandbox: airlock.Sandbox, session: airlock.Session, form: str
) -> None:
    name = f"lookup_{form.removeprefix('openai_')}"
    tool_info = info(sandbox, name)
    assert tool_info["description"] == "Finds a user."
    assert tool_info["input_schema"]["required"] == ["id"]
    RECEIVED.clear()
    assert session.run(f"return (await {name}({{ id: 7 }})).name").value == "user7"
    invalid = session.run(f"try {{ await {name}({{ id: 'x' }}) }} catch (e) {{ return e.code }}")
    assert invalid.value == "EINVAL"
    assert RECEIVED == [{"id": 7}]


def test_an_mcp_definition_keeps_its_output_schema() -> None:
    definition = tool_def_from_object((DEFINITIONS["mcp"], _find_user))
    assert definition is not None
    assert definition.output_schema == DEFINITIONS["mcp"]["outputSchema"]


def test_a_definition_pair_takes_an_mcp_tool_object() -> None:
    mcp_tool = mcp.types.Tool(name="files/read", description="Reads.", inputSchema=USER_SCHEMA)
    definition = tool_def_from_object((mcp_tool, _find_user))
    assert definition is not None
    assert (definition.name, definition.description) == ("files_read", "Reads.")
    assert definition.input_schema == USER_SCHEMA


def test_a_definition_pair_takes_an_async_handler(session: airlock.Session) -> None:
    assert session.run("return await lookup_async({ id: 3 })").value == "user3"


def test_a_definition_of_no_known_form_is_an_error() -> None:
    with pytest.raises(ValueError, match="input_schema"):
        tool_def_from_object(({"title": "lookup"}, _find_user))


def test_other_objects_are_not_framework_tools() -> None:
    assert tool_def_from_object(RunnableLambda(lambda x: x)) is None
    assert tool_def_from_object(len) is None
    assert tool_def_from_object(("a", "b")) is None


def test_importing_airlock_imports_no_framework() -> None:
    code = (
        "import sys, airlock, airlock._adapters; "
        "print(sorted({m.split('.')[0] for m in sys.modules} "
        "& {'langchain_core', 'agents', 'langgraph', 'openai', 'pydantic'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- a session as a LangChain tool -----------------------------------------------------------


def test_an_agent_call_of_the_langchain_tool_gives_text_and_the_run_result(
    session: airlock.Session,
) -> None:
    message = session.as_langchain_tool().invoke(
        tool_call("const w = await get_weather({ city: 'Oslo' });\nconsole.log(w.city);\nreturn w")
    )
    assert isinstance(message, ToolMessage)
    assert message.content == 'Oslo\n{"city":"Oslo","temp":21}'
    assert isinstance(message.artifact, airlock.RunResult)
    assert message.artifact.value == {"city": "Oslo", "temp": 21}
    assert message.artifact.calls[0].tool == "get_weather"


def test_the_langchain_tool_works_in_a_langgraph_tool_node(session: airlock.Session) -> None:
    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode([session.as_langchain_tool(name="js")]))
    graph.add_edge(START, "tools")
    call = {"name": "js", "args": {"code": "console.log(6 * 7)"}, "id": "c1", "type": "tool_call"}
    state = graph.compile().invoke({"messages": [AIMessage(content="", tool_calls=[call])]})
    message = state["messages"][-1]
    assert isinstance(message, ToolMessage)
    assert message.content == "42"
    assert message.artifact.ok


def test_the_langchain_tool_describes_itself_and_its_tools(session: airlock.Session) -> None:
    run_code = session.as_langchain_tool()
    shell = session.as_langchain_tool(name="sh", language="shell", description="Runs sh.")
    assert run_code.name == "run_code"
    assert "JavaScript" in run_code.description
    assert "- get_weather({city}): Current weather for a city." in run_code.description
    assert run_code.tool_call_schema.model_json_schema()["required"] == ["code"]
    assert (shell.name, shell.description) == ("sh", "Runs sh.")


def test_the_langchain_tool_runs_shell_scripts(session: airlock.Session) -> None:
    message = session.as_langchain_tool(language="shell").invoke(
        tool_call("printf 'b\\na\\n' | sort")
    )
    assert message.content == "a\nb"


def test_a_script_error_is_text_for_the_agent_not_an_exception(session: airlock.Session) -> None:
    message = session.as_langchain_tool().invoke(tool_call("console.log('start');\nnull.foo"))
    assert message.content.startswith("start\nstderr:\nTypeError")
    assert message.content.endswith("error: the script exited with code 1")
    assert message.artifact.exit_code == 1


def test_a_timeout_is_text_for_the_agent_not_an_exception(session: airlock.Session) -> None:
    session.set_limits({"timeout": 0.5})
    message = session.as_langchain_tool().invoke(tool_call("while (true) {}"))
    assert message.content.endswith("error: the script was stopped: it ran past its time limit")
    assert message.artifact.termination == "timeout"


def test_a_policy_denial_is_text_for_the_agent_not_an_exception() -> None:
    definition = {
        "name": "transfer",
        "description": "Moves money.",
        "input_schema": {"type": "object", "properties": {"amount": {"type": "number"}}},
    }
    sandbox = airlock.Sandbox(
        tools=[(definition, lambda args: "done")],
        policy={"allow": [{"tools": "transfer", "args": {"amount": {"max": 100}}}]},
    )
    with sandbox.session() as session:
        message = session.as_langchain_tool().invoke(tool_call("await transfer({ amount: 5000 })"))
    assert "error: policy denied transfer: " in message.content
    assert message.artifact.calls[0].error_code == "EPOLICY"


# --- a session as an OpenAI Agents tool ------------------------------------------------------


def test_the_openai_agents_tool_runs_code_with_a_strict_schema(session: airlock.Session) -> None:
    run_code = session.as_openai_agents_tool()
    arguments = json.dumps({"code": "console.log('hi'); return [1, 2]"})
    output = asyncio.run(run_code.on_invoke_tool(agents_context(arguments), arguments))
    assert isinstance(run_code, FunctionTool)
    assert run_code.name == "run_code"
    assert run_code.strict_json_schema is True
    assert run_code.params_json_schema == {
        "type": "object",
        "properties": {"code": {"type": "string", "description": "The javascript program to run."}},
        "required": ["code"],
        "additionalProperties": False,
    }
    assert output == "hi\n[1,2]"


def test_the_agent_run_context_reaches_agents_tools_called_by_the_script(
    session: airlock.Session,
) -> None:
    run_code = session.as_openai_agents_tool()
    arguments = json.dumps({"code": "return await whoami({})"})
    output = asyncio.run(
        run_code.on_invoke_tool(agents_context(arguments, {"user": "ada"}), arguments)
    )
    assert output == "ada"


# --- LangGraph CodeAct -----------------------------------------------------------------------


def test_codeact_eval_carries_top_level_variables_across_turns(session: airlock.Session) -> None:
    eval_fn = session.codeact_eval()
    output, new_vars = eval_fn(
        "const total = 2\nlet items = [1, 2]\nvar { a, b: [c] } = { a: 'x', b: [true] }\n"
        "if (total) { const hidden = 1 }\nconsole.log(total)",
        {},
    )
    assert (output, new_vars) == ("2", {"total": 2, "items": [1, 2], "a": "x", "c": True})
    output, newer_vars = eval_fn("items.push(3)\nconsole.log(total + items.length)", new_vars)
    assert output == "5"
    assert newer_vars == {"total": 2, "items": [1, 2, 3], "a": "x", "c": True}


def test_codeact_eval_carries_only_json_values(session: airlock.Session) -> None:
    _, new_vars = session.codeact_eval()(
        "const f = () => 1\nfunction g() {}\nconst m = new Map()\nconst d = new Date(0)\n"
        "const n = NaN\nconst kept = { ok: [null, 'x', 1.5] }",
        {"tool": len, "obj": object(), "inf": float("inf"), "carried": "yes"},
    )
    assert new_vars == {"kept": {"ok": [None, "x", 1.5]}, "carried": "yes"}


def test_codeact_eval_keeps_values_set_before_a_failure_and_the_line_numbers(
    session: airlock.Session,
) -> None:
    output, new_vars = session.codeact_eval()("const a = 1\nnull.foo\nconst b = 2", {"x": 1})
    assert new_vars == {"x": 1, "a": 1}
    assert "script.js:2" in output
    assert output.endswith("error: the script exited with code 1")


def test_codeact_eval_drives_a_langgraph_codeact_agent(session: airlock.Session) -> None:
    model = GenericFakeChatModel(
        messages=iter(
            [
                AIMessage(
                    content="```javascript\nconst w = await get_weather({ city: 'Rome' })\n"
                    "console.log(w.temp)\n```"
                ),
                AIMessage(content="```javascript\nconsole.log(w.city + ' ' + (w.temp + 1))\n```"),
                AIMessage(content="It is 21 degrees in Rome."),
            ]
        )
    )
    agent = create_codeact(model, [get_weather], session.codeact_eval()).compile()
    state = agent.invoke({"messages": [("user", "Weather in Rome?")]})
    outputs = [m.content for m in state["messages"] if m.type == "human"][1:]
    assert outputs == ["21", "Rome 22"]
    assert state["context"]["w"] == {"city": "Rome", "temp": 21}


# --- amla-sandbox drop-in --------------------------------------------------------------------


def get_forecast(city: str) -> dict[str, Any]:
    """Forecast for a city."""
    return {"city": city, "temp": 72}


def transfer_money(amount: float, currency: str) -> str:
    """Sends money."""
    return f"sent {amount:g} {currency}"


def read_api(path: str) -> str:
    """Reads an API path."""
    return path


@pytest.fixture(scope="module")
def plain() -> SandboxTool:
    return create_sandbox_tool()


@pytest.fixture(scope="module")
def forecast() -> SandboxTool:
    return create_sandbox_tool(tools=[get_forecast])


def test_amla_readme_quick_start(plain: SandboxTool, forecast: SandboxTool) -> None:
    assert plain.run("console.log('hello'.toUpperCase())", language="javascript") == "HELLO\n"
    assert plain.run("echo 'hello' | tr 'a-z' 'A-Z'", language="shell") == "HELLO\n"
    output = forecast.run(
        "const w = await get_forecast({city: 'SF'}); console.log(w);", language="javascript"
    )
    assert output == '{"city":"SF","temp":72}\n'


def test_amla_constraints_and_max_calls_become_the_policy() -> None:
    sandbox = create_sandbox_tool(
        tools=[transfer_money, read_api],
        constraints={
            "transfer_money": {"amount": "<=1000", "currency": ["USD", "EUR"]},
            "read_api": {"path": "startswith:/api/"},
        },
        max_calls={"transfer_money": 2},
    )
    call = "console.log(await transfer_money({{amount: {}, currency: '{}'}}))"
    too_much = sandbox.run(call.format(5000, "USD"), language="javascript")
    assert "[stderr]: " in too_much and "amount" in too_much
    assert "[error]: policy denied transfer_money" in too_much
    assert "[error]: policy denied" in sandbox.run(call.format(5, "GBP"), language="javascript")
    assert sandbox.run(call.format(50, "USD"), language="javascript") == "sent 50 USD\n"
    assert sandbox.run(call.format(1000, "EUR"), language="javascript") == "sent 1000 EUR\n"
    assert "[error]: policy denied" in sandbox.run(call.format(1, "USD"), language="javascript")
    assert (
        sandbox.execute("return await read_api({path: '/api/users'})").return_value == "/api/users"
    )
    assert not sandbox.execute("return await read_api({path: '/admin'})").success


def test_amla_numeric_constraints() -> None:
    specs: dict[str, Any] = {"ge": ">=10", "gt": ">10", "lt": "<10", "eq": "==5", "number": 5}
    cases = {"ge": (10, 9), "gt": (11, 10), "lt": (9, 10), "eq": (5, 6), "number": (5, 6)}

    def make(name: str) -> Callable[[float], float]:
        def check(n: float) -> float:
            return n

        check.__name__ = name
        return check

    sandbox = create_sandbox_tool(
        tools=[make(name) for name in specs],
        constraints={name: {"n": spec} for name, spec in specs.items()},
    )
    for name, (allowed, denied) in cases.items():
        assert sandbox.execute(f"return await {name}({{n: {allowed}}})").return_value == allowed
        denial = sandbox.execute(f"return await {name}({{n: {denied}}})").error or ""
        assert denial.startswith(f"policy denied {name}"), (name, denial)


@pytest.mark.parametrize(
    "constraints",
    [
        {"transfer_money": {"amount": "~100"}},
        {"transfer_money": {"amount": "<=ten"}},
        {"other": {}},
    ],
)
def test_amla_constraints_amla_would_ignore_are_errors(constraints: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        create_sandbox_tool(tools=[transfer_money], constraints=constraints)


def test_amla_execute_answers_an_execution_result(plain: SandboxTool) -> None:
    ok = plain.execute("console.log(1); return {a: 5}")
    assert ok == ExecutionResult(stdout='1\n{"a":5}\n', return_value={"a": 5})
    assert str(ok) == '1\n{"a":5}\n'
    failed = plain.execute("null.foo")
    assert not failed.success
    assert failed.error == "the script exited with code 1"
    assert failed.stderr.startswith("TypeError")
    assert str(failed).startswith("Error: the script exited with code 1\nTypeError")
    assert plain.run("", language="javascript") == "(no output)"


def test_amla_files_last_across_runs_and_languages(plain: SandboxTool) -> None:
    plain.run("await fs.writeFile('/workspace/a.txt', 'kept')", language="javascript")
    assert plain.run("cat /workspace/a.txt", language="shell") == "kept"


def test_amla_stdin(plain: SandboxTool) -> None:
    assert plain.run("wc -c", language="shell", stdin="abc").strip() == "3"
    assert plain.run("", language="javascript", stdin="console.log(1 + 1)") == "2\n"


def test_amla_langchain_tools(forecast: SandboxTool) -> None:
    sandbox_tool = forecast.as_langchain_tool()
    assert sandbox_tool.name == "sandbox"
    assert sorted(sandbox_tool.args) == ["code", "language"]
    assert "get_forecast({city}): Forecast for a city." in sandbox_tool.description
    output = sandbox_tool.invoke(
        {"code": "return (await get_forecast({city: 'NY'})).temp", "language": "javascript"}
    )
    assert output == "72\n"
    js, shell = forecast.as_langchain_tools()
    assert (js.name, shell.name) == ("sandbox_js", "sandbox_shell")
    assert shell.invoke({"command": "echo hi"}) == "hi\n"


def test_amla_prompts_describe_the_sandbox_and_its_tools(
    plain: SandboxTool, forecast: SandboxTool
) -> None:
    assert "get_forecast" in forecast.get_tool_descriptions()
    prompt = forecast.get_system_prompt()
    assert prompt.startswith("## Sandbox Tool Usage")
    assert "get_forecast" in prompt
    assert "get_forecast" not in forecast.get_system_prompt(include_tools=False)
    assert "No custom tools" in plain.get_tool_descriptions()
