"""The official Python MCP SDK as a client of `airlock serve`.

Usage: client.py check stdio AIRLOCK CONFIG
       client.py check http URL
       client.py bench stdio AIRLOCK CONFIG [N]

`check` exercises what a user relies on and exits non-zero naming the first thing that is
wrong; `bench` prints the median and p90 round trip of `run` with `return 1`.
"""

import asyncio
import json
import statistics
import sys
import time

from mcp import Client
from mcp.client.stdio import StdioServerParameters


def target(args):
    if args[0] == "stdio":
        return StdioServerParameters(command=args[1], args=["serve", "--config", args[2]])
    return args[1]


def expect(cond, what, got=None):
    if not cond:
        raise SystemExit(f"FAILED: {what}" + ("" if got is None else f"\n  got: {got!r}"))
    print(f"ok: {what}")


def text_of(result):
    return "".join(getattr(c, "text", "") for c in result.content)


async def check(args):
    async with Client(target(args)) as client:
        tools = (await client.list_tools()).tools
        names = [t.name for t in tools]
        expect("run" in names, "the server lists a run tool", names)
        run = next(t for t in tools if t.name == "run")
        expect("weather" in run.description, "run's description declares the configured tool", run.description)
        expect(run.output_schema is not None, "run has an output schema")

        result = await client.call_tool("run", {"code": "console.log('hi'); return 6 * 7"})
        expect(not result.is_error, "a JavaScript run succeeds", text_of(result))
        sc = result.structured_content
        expect(sc["stdout"] == "hi\n42\n", "stdout carries the output and the return value", sc)
        expect(sc["value"] == 42 and sc["exitCode"] == 0, "value and exitCode are structured", sc)

        result = await client.call_tool(
            "run", {"code": "printf 'b\\na\\n' | sort | tr a-z A-Z", "language": "shell"}
        )
        expect(result.structured_content["stdout"] == "A\nB\n", "a shell run pipes through sort and tr", text_of(result))

        result = await client.call_tool("run", {"code": "return await weather({city: 'Paris'})"})
        expect(result.structured_content["value"] == {"city": "Paris", "temp": 21}, "a script calls a configured tool", text_of(result))

        result = await client.call_tool(
            "run",
            {"code": "try { await weather({city: 'Atlantis'}) } catch (e) { console.log(e.code); console.log(e.message) }"},
        )
        out = result.structured_content["stdout"]
        expect(out.startswith("EPOLICY\n") and "city" in out, "the policy denies a call and the script sees EPOLICY", out)

        result = await client.call_tool("run", {"code": "tool weather --city Atlantis", "language": "shell"})
        expect(result.is_error and result.structured_content["exitCode"] == 126, "the shell's tool command exits 126 on a denial", text_of(result))
        expect("PolicyDenied" in result.structured_content["stderr"], "the denial is on stderr", result.structured_content)

        first = await client.call_tool("run", {"code": "await fs.writeFile('notes.txt', 'kept across runs')"})
        # Over stdio the MCP session keeps the files; over stateless HTTP the result names
        # its session, and passing it back continues that session.
        session = first.structured_content.get("session")
        expect((session is None) == (args[0] == "stdio"), "a stateless run names its session", first.structured_content)
        again = {"code": "cat notes.txt", "language": "shell"}
        if session:
            again["session"] = session
        result = await client.call_tool("run", again)
        expect(result.structured_content["stdout"] == "kept across runs", "a file persists across two runs of one session", text_of(result))
        if session:
            fresh = await client.call_tool("run", {"code": "test -e notes.txt && echo leaked || echo private", "language": "shell"})
            expect(fresh.structured_content["stdout"] == "private\n", "a run without a session starts a private one", text_of(fresh))

        result = await client.call_tool("run", {"code": "throw new Error('boom')"})
        expect(result.is_error and result.structured_content["exitCode"] == 1, "an uncaught error is an error result with exit 1", text_of(result))
        expect("boom" in text_of(result), "the error text reaches the model", text_of(result))

        result = await client.call_tool("run", {"code": "while (true) {}"})
        expect(result.structured_content["exitCode"] == 124, "a runaway loop is stopped with 124", text_of(result))
        result = await client.call_tool("run", {"code": "return 'still alive'"})
        expect(result.structured_content["value"] == "still alive", "the session survives a timeout", text_of(result))

        result = await client.call_tool("run", {"code": 1})
        expect(result.is_error and "code" in text_of(result), "a wrong argument type is a clear error", text_of(result))
    print("all checks passed")


async def bench(args):
    n = int(args[3]) if len(args) > 3 else 200
    async with Client(target(args)) as client:
        for _ in range(20):
            await client.call_tool("run", {"code": "return 1"})
        times = []
        for _ in range(n):
            t = time.perf_counter()
            result = await client.call_tool("run", {"code": "return 1"})
            times.append((time.perf_counter() - t) * 1000)
            assert result.structured_content["value"] == 1
        times.sort()
        print(json.dumps({
            "calls": n,
            "median_ms": round(statistics.median(times), 3),
            "p90_ms": round(times[int(n * 0.9)], 3),
            "min_ms": round(times[0], 3),
        }))


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    asyncio.run(check(rest) if mode == "check" else bench(rest))
