"""The core of the Python package: sandboxes, sessions, runs, Python tools, the policy, limits,
errors, files, journals and concurrency, against the real compiled extension."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import enum
import json
import threading
import time
from pathlib import Path
from typing import Literal

import pytest

import airlock


def add(a: int, b: int) -> int:
    """Adds two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


async def double(x: float) -> float:
    """Doubles a number, asynchronously."""
    await asyncio.sleep(0)
    return x * 2


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Item:
    name: str
    qty: int = 1


def describe(item: Item, color: Color, mode: Literal["short", "long"] = "short") -> dict[str, object]:
    """Describes an item."""
    assert isinstance(item, Item) and isinstance(color, Color)
    return {"item": item, "color": color, "mode": mode}


def explode(reason: str) -> None:
    """Always fails."""
    raise ValueError(f"cannot do it: {reason}")


@pytest.fixture(scope="module")
def sandbox() -> airlock.Sandbox:
    return airlock.Sandbox(tools=[add, double, describe, explode])


def test_a_python_function_is_a_tool_with_its_schema_and_docs(sandbox: airlock.Sandbox) -> None:
    tools = {t["name"]: t for t in sandbox.tools}
    assert tools["add"]["description"].startswith("Adds two numbers.")
    schema = tools["add"]["input_schema"]
    assert schema["properties"]["a"]["type"] == "integer"
    assert schema["required"] == ["a", "b"]
    assert "The first number." in json.dumps(schema)
    dts = sandbox.typescript()
    assert "add" in dts and "a: number" in dts
    prompt = sandbox.system_prompt()
    assert "add" in prompt and "double" in prompt


def test_scripts_call_sync_async_and_typed_tools(sandbox: airlock.Sandbox) -> None:
    with sandbox.session() as session:
        result = session.run(
            """
            const sum = await add({ a: 2, b: 3 });
            const twice = await double({ x: 1.5 });
            const d = await describe({ item: { name: "pen" }, color: "blue" });
            return { sum, twice, d };
            """
        )
    assert result.value == {
        "sum": 5,
        "twice": 3.0,
        "d": {"item": {"name": "pen", "qty": 1}, "color": "blue", "mode": "short"},
    }
    assert [c.tool for c in result.calls] == ["add", "double", "describe"]
    assert result.calls[0].args == {"a": 2, "b": 3} and result.calls[0].result == 5
    assert result.usage.tool_calls == 3


def test_a_python_exception_is_a_catchable_etool_error_without_traceback(
    sandbox: airlock.Sandbox,
) -> None:
    session = sandbox.session()
    result = session.run(
        "try { await explode({ reason: 'no' }) } catch (e) { return { code: e.code, message: e.message } }"
    )
    assert result.value["code"] == "ETOOL"
    assert "ValueError: cannot do it: no" in result.value["message"]
    assert "Traceback" not in result.value["message"] and ".py" not in result.value["message"]
    assert result.calls[0].error_code == "ETOOL"


def test_arguments_that_break_the_schema_are_refused_before_python_runs(
    sandbox: airlock.Sandbox,
) -> None:
    result = sandbox.session().run(
        "try { await add({ a: 'two', b: 3 }) } catch (e) { return e.code }"
    )
    assert result.value == "EINVAL"


def test_typescript_scripts_run_with_their_line_numbers(sandbox: airlock.Sandbox) -> None:
    session = sandbox.session()
    result = session.run(
        "enum Op { Add = 'add' }\nconst r: number = await add({ a: 1, b: 2 } as { a: number; b: number });\nreturn [Op.Add, r];",
        language="typescript",
    )
    assert result.value == ["add", 3]
    with pytest.raises(airlock.ScriptError) as caught:
        session.run("type T = number;\n\nthrow new Error('at ' + (3 as T));", language="typescript")
    assert "script.ts:3" in caught.value.result.stderr
    assert "TypeScript is welcome" in sandbox.system_prompt()


def test_the_shell_calls_python_tools(sandbox: airlock.Sandbox) -> None:
    result = sandbox.session().run("tool add --a 20 --b 22", language="shell")
    assert result.stdout.strip() == "42"


def test_promise_all_runs_sync_tools_in_parallel() -> None:
    def slow(ms: int) -> int:
        """Sleeps."""
        time.sleep(ms / 1000)
        return ms

    session = airlock.Sandbox(tools=[slow]).session()
    started = time.perf_counter()
    result = session.run("return await Promise.all([1,2,3,4].map(() => slow({ ms: 300 })))")
    took = time.perf_counter() - started
    assert result.value == [300] * 4
    assert took < 1.0, f"four 300 ms tools took {took:.2f} s: not run in parallel"


def test_async_tools_run_on_the_callers_loop_and_see_its_context() -> None:
    seen: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="unset")

    async def whoami() -> dict[str, object]:
        """Reports the loop and context it runs in."""
        return {"loop": id(asyncio.get_running_loop()), "seen": seen.get()}

    session = airlock.Sandbox(tools=[whoami]).session()

    async def main() -> None:
        seen.set("from the caller")
        result = await session.run_async("return await whoami({})")
        assert result.value == {"loop": id(asyncio.get_running_loop()), "seen": "from the caller"}

    asyncio.run(main())
    # Outside a loop, async tools still run (on airlock's background loop).
    assert session.run("return (await whoami({})).seen").value == "unset"


def test_run_async_does_not_block_the_event_loop_and_cancelling_stops_the_guest() -> None:
    session = airlock.Sandbox().session()

    async def main() -> None:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.01)

        tick = asyncio.create_task(ticker())
        run = asyncio.create_task(session.run_async("while (true) {}"))
        await asyncio.sleep(0.3)
        assert ticks >= 10, "the event loop was blocked by the run"
        cancelled_at = time.perf_counter()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
        after = await session.run_async("return 'still here'")
        assert after.value == "still here"
        assert time.perf_counter() - cancelled_at < 2.0
        tick.cancel()

    asyncio.run(main())


def test_interrupt_from_another_thread_stops_a_run_waiting_on_a_tool() -> None:
    def wait_forever() -> None:
        """Blocks for a long time."""
        time.sleep(3)

    session = airlock.Sandbox(tools=[wait_forever]).session()
    threading.Timer(0.2, session.interrupt).start()
    started = time.perf_counter()
    with pytest.raises(airlock.Interrupted) as caught:
        session.run("await wait_forever({})")
    assert time.perf_counter() - started < 2.5
    assert caught.value.result is not None and caught.value.result.exit_code == 130
    assert session.run("return 1").value == 1


def test_limits_raise_typed_errors_and_the_session_survives() -> None:
    sandbox = airlock.Sandbox(limits=airlock.Limits(timeout=30, memory="64M"))
    session = sandbox.session()
    session.fs.write_text("keep.txt", "kept")
    with pytest.raises(airlock.MemoryLimitError) as memory:
        session.run("const a = []; while (true) a.push('x'.repeat(1 << 20));")
    assert isinstance(memory.value, MemoryError) and memory.value.result.exit_code == 137
    session.set_limits({"timeout": 0.3})
    with pytest.raises(airlock.TimeoutError) as timeout:
        session.run("while (true) {}")
    assert isinstance(timeout.value, TimeoutError)
    assert timeout.value.code == "ETIMEOUT" and timeout.value.result.exit_code == 124
    assert "Limits(timeout=" in str(timeout.value)
    result = session.run("while (true) {}", check=False)
    assert result.termination == "timeout" and not result.ok
    assert session.fs.read_text("keep.txt") == "kept"
    assert session.run("return await fs.readFile('keep.txt')").value == "kept"


def test_script_errors_carry_the_run() -> None:
    session = airlock.Sandbox().session()
    with pytest.raises(airlock.ScriptError) as caught:
        session.run("console.log('before'); throw new TypeError('nope')")
    assert "TypeError: nope" in str(caught.value)
    assert caught.value.result.stdout == "before\n"
    with pytest.raises(airlock.ScriptError):
        session.run("const = ;")
    with pytest.raises(airlock.ScriptError) as exited:
        session.run("exit 3", language="shell")
    assert exited.value.result.exit_code == 3


def test_bad_configuration_is_a_config_error_that_names_the_problem() -> None:
    with pytest.raises(airlock.ConfigError, match="unknown limit 'timeot'") as bad_limit:
        airlock.Sandbox(limits={"timeot": 1})
    assert isinstance(bad_limit.value, ValueError)
    with pytest.raises(airlock.ConfigError, match="unknown key 'alow'"):
        airlock.Sandbox(policy={"alow": []})
    with pytest.raises(airlock.ConfigError, match="tols"):
        airlock.Sandbox(tools=[add], policy={"allow": [{"tols": "add"}]})
    with pytest.raises(airlock.ConfigError, match="memory"):
        airlock.Sandbox(limits=airlock.Limits(memory="lots"))
    with pytest.raises(airlock.ConfigError):
        airlock.Sandbox().session().run("1", language="python")  # type: ignore[arg-type]


def test_the_policy_as_a_dict_constrains_arguments_and_budgets() -> None:
    policy = {
        "allow": [{"tools": "add", "max_calls": 2, "args": {"a": {"max": 10}}}],
        "deny": [{"tools": "explode"}],
    }
    sandbox = airlock.Sandbox(tools=[add, explode], policy=policy)
    assert [t["name"] for t in sandbox.tools] == ["add"]
    session = sandbox.session()
    result = session.run(
        """
        const out = [];
        for (const a of [1, 50, 2, 3]) {
          try { out.push(await add({ a, b: 1 })) } catch (e) { out.push(e.code) }
        }
        return out;
        """
    )
    assert result.value == [2, "EPOLICY", 3, "EPOLICY"]
    assert result.calls[0].rule == "allow[0]"
    with pytest.raises(airlock.PolicyDenied) as denied:
        session.call("explode", reason="x")
    assert isinstance(denied.value, PermissionError) and denied.value.code == "EPOLICY"


def test_the_policy_as_toml_text_or_a_file(tmp_path: Path) -> None:
    text = '[[allow]]\ntools = "add"\n[allow.args]\nb = { in = [1, 2] }\n'
    for policy in (text, tmp_path / "policy.toml"):
        (tmp_path / "policy.toml").write_text(text)
        session = airlock.Sandbox(tools=[add, explode], policy=policy).session()
        assert session.call("add", a=1, b=2) == 3
        with pytest.raises(airlock.PolicyDenied):
            session.call("add", {"a": 1, "b": 5})


def test_files_move_between_python_and_the_script() -> None:
    session = airlock.Sandbox().session()
    session.fs.write_text("data/in.csv", "name,qty\npen,2\n")
    session.fs.write_bytes("/workspace/blob.bin", b"\x00\x01\xff")
    session.run(
        """
        const rows = (await fs.readFile('data/in.csv')).trim().split('\\n');
        await fs.writeFile('data/out.json', JSON.stringify(rows));
        """
    )
    assert json.loads(session.fs.read_text("data/out.json")) == ["name,qty", "pen,2"]
    assert session.fs.read_bytes("blob.bin") == b"\x00\x01\xff"
    assert session.fs.listdir() == ["blob.bin", "data"]
    assert session.fs.listdir("data") == ["in.csv", "out.json"]
    assert session.fs.is_dir("data") and not session.fs.is_dir("blob.bin")
    session.fs.remove("blob.bin")
    assert not session.fs.exists("blob.bin")
    with pytest.raises(FileNotFoundError):
        session.fs.read_text("missing.txt")
    with pytest.raises(OSError):
        session.fs.remove("data")
    session.fs.remove("data", recursive=True)
    assert session.fs.listdir() == []


def test_journal_verifies_and_replays_without_calling_tools(tmp_path: Path) -> None:
    calls = []

    def lookup(key: str) -> str:
        """Looks a key up."""
        calls.append(key)
        return key.upper()

    journal = tmp_path / "run.jsonl"
    sandbox = airlock.Sandbox(tools=[lookup])
    with sandbox.session(journal=journal, deterministic=True) as session:
        first = session.run("return await lookup({ key: 'abc' }) + Math.random()")
    assert calls == ["abc"]
    report = airlock.verify_journal(journal)
    assert "ok" in report.lower() or "verified" in report.lower()
    replayed = sandbox.replay(journal)
    assert calls == ["abc"], "a replay must not call the tool"
    assert replayed[0].value == first.value
    with pytest.raises(airlock.ReplayDiverged):
        sandbox.replay(journal, code="return await lookup({ key: 'other' })")
    lines = journal.read_text().splitlines()
    lines[1] = lines[1].replace("abc", "abd")
    journal.write_text("\n".join(lines) + "\n")
    with pytest.raises(airlock.JournalError):
        airlock.verify_journal(journal)


def test_deterministic_sessions_repeat_exactly() -> None:
    sandbox = airlock.Sandbox()
    script = "return [Math.random(), Date.now(), crypto.randomUUID()]"
    first = sandbox.session(deterministic=True, seed=7).run(script).value
    second = sandbox.session(deterministic=True, seed=7).run(script).value
    assert first == second
    assert sandbox.session(deterministic=True, seed=8).run(script).value != first


def test_on_output_streams_text_as_it_is_written() -> None:
    seen: list[tuple[str, str]] = []
    session = airlock.Sandbox().session(on_output=lambda stream, text: seen.append((stream, text)))
    session.run("console.log('héllo'); console.error('oops')")
    assert ("stdout", "héllo\n") in seen and ("stderr", "oops\n") in seen


def test_the_gil_is_released_while_a_script_runs() -> None:
    session = airlock.Sandbox().session()
    counter = 0
    done = threading.Event()

    def count() -> None:
        nonlocal counter
        while not done.is_set():
            counter += 1

    thread = threading.Thread(target=count)
    thread.start()
    session.run("const end = Date.now() + 300; while (Date.now() < end) {}")
    at_end = counter
    done.set()
    thread.join()
    assert at_end > 10_000, "Python threads did not run while the script did"


def test_sessions_in_threads_run_in_parallel_and_keep_their_files() -> None:
    sandbox = airlock.Sandbox()
    results: dict[int, object] = {}

    def work(n: int) -> None:
        session = sandbox.session()
        session.fs.write_text("n.txt", str(n))
        results[n] = session.run("return Number(await fs.readFile('n.txt')) * 2").value

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: n * 2 for n in range(8)}


def test_threads_beyond_the_instance_slots_wait_their_turn() -> None:
    sandbox = airlock.Sandbox(max_concurrent_runs=2)
    results: list[object] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        value = sandbox.session().run(
            f"const end = Date.now() + 50; while (Date.now() < end) {{}}; return {n}"
        ).value
        with lock:
            results.append(value)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(12))  # type: ignore[type-var]
    with pytest.raises(airlock.ConfigError, match="max_concurrent_runs"):
        airlock.Sandbox(max_concurrent_runs=0)


def test_from_config_reads_airlock_toml_and_adds_python_tools(tmp_path: Path) -> None:
    config = tmp_path / "airlock.toml"
    config.write_text(
        '[limits]\ntimeout = "2s"\n\n[[allow]]\ntools = "add"\n[allow.args]\na = { max = 5 }\n'
    )
    sandbox = airlock.Sandbox.from_config(config, tools=[add, explode])
    assert sandbox.limits["timeout"] == "2s"
    assert [t["name"] for t in sandbox.tools] == ["add"]
    session = sandbox.session()
    assert session.call("add", a=5, b=1) == 6
    with pytest.raises(airlock.PolicyDenied):
        session.call("add", a=6, b=1)
    config.write_text("[limits]\ntimeout = 'soon'\n")
    with pytest.raises(airlock.ConfigError, match="timeout"):
        airlock.Sandbox.from_config(config)


def test_limits_fields_are_the_native_knobs() -> None:
    from airlock import _native

    names = [name for name, *_ in _native.knobs()]
    assert [f.name for f in dataclasses.fields(airlock.Limits)] == names


def test_tool_decorator_overrides_name_description_and_timeout() -> None:
    @airlock.tool(name="bank/transfer", description="Moves money.", timeout=0.2)
    def transfer(amount: float) -> dict[str, float]:
        time.sleep(amount)
        return {"sent": amount}

    assert transfer(0) == {"sent": 0}, "the decorated function stays callable"
    sandbox = airlock.Sandbox(tools=[transfer])
    assert sandbox.tools[0]["name"] == "bank/transfer"
    assert sandbox.tools[0]["description"] == "Moves money."
    session = sandbox.session()
    assert session.run("return await bank.transfer({ amount: 0.01 })").value == {"sent": 0.01}
    late = session.run("try { await bank.transfer({ amount: 1 }) } catch (e) { return e.code }")
    assert late.value == "ETIMEDOUT"


MCP_SERVER = """
from mcp.server.fastmcp import FastMCP

server = FastMCP("notes")

@server.tool()
def shout(text: str) -> str:
    '''Upper-cases a text.'''
    return text.upper()

server.run()
"""


def test_mcp_servers_become_tools_beside_python_ones(tmp_path: Path) -> None:
    import sys

    script = tmp_path / "server.py"
    script.write_text(MCP_SERVER)
    sandbox = airlock.Sandbox(
        tools=[add],
        policy={"allow": [{"tools": "notes/*"}, {"tools": "add"}]},
        mcp_servers={"notes": {"command": [sys.executable, str(script)], "timeout": "20s"}},
    )
    assert {t["name"] for t in sandbox.tools} == {"add", "notes/shout"}
    result = sandbox.session().run(
        "return [await notes.shout({ text: 'hi' }), await add({ a: 1, b: 1 })]"
    )
    assert result.value[1] == 2
    assert "HI" in json.dumps(result.value[0])
    with pytest.raises(airlock.ConfigError, match="commnd"):
        airlock.Sandbox(mcp_servers={"bad": {"commnd": ["x"]}})
