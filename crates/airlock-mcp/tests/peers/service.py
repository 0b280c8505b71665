"""`airlock serve --http` as a service, driven by the official Python MCP SDK and raw HTTP.

Usage: service.py private URL TOKEN_A TOKEN_B
       service.py profiles URL TOKEN_A TOKEN_B
       service.py doors URL TOKEN_A TOKEN_B
       service.py load URL TOKEN CLIENTS RUNS
       service.py flood URL TOKEN N
       service.py drain URL TOKEN
       service.py cap URL TOKEN
       service.py latency URL TOKEN N [FILES]  (a benchmark: prints p50 and p99 as JSON)
       service.py idle URL TOKEN N         (a benchmark: leaves N sessions idle)
       service.py replicas TOKEN OTHER_TOKEN URL1 URL2 URL3   (prints the session's handle)
       service.py stall URL TOKEN HANDLE   (a run that never ends: its server is killed)
       service.py after-kill URL TOKEN HANDLE
       service.py after-restart URL TOKEN HANDLE
       service.py shared-approvals TOKEN APPROVALS_TOKEN URL1 URL2 URL3
       service.py waiting-run URL TOKEN    (prints the session's handle, then waits for a
                                            person until its server is killed)
       service.py after-waiting-restart URL TOKEN APPROVALS_TOKEN HANDLE

Each command exits non-zero naming the first thing that is wrong; `load` prints its numbers
as JSON.
"""

import asyncio
import json
import statistics
import sys
import time

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

MODERN = "2026-07-28"
LEGACY = "2025-06-18"


def expect(cond, what, got=None):
    if not cond:
        raise SystemExit(f"FAILED: {what}" + ("" if got is None else f"\n  got: {got!r}"))
    print(f"ok: {what}")


def client(url, token, mode="auto"):
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(url, http_client=http), mode=mode)


def text_of(result):
    return "".join(getattr(c, "text", "") for c in result.content)


def modern_call(code, session=None, id=1):
    args = {"code": code}
    if session:
        args["session"] = session
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "run", "arguments": args, "_meta": meta}}


def headers(token=None, **more):
    h = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json", "MCP-Protocol-Version": MODERN}
    if token:
        h["Authorization"] = f"Bearer {token}"
    h.update(more)
    return h


def run_headers(token):
    # The stateless protocol names the method and tool in headers too.
    return headers(token, **{"Mcp-Method": "tools/call", "Mcp-Name": "run"})


async def private(url, a, b):
    async with client(url, a) as one, client(url, b) as other:
        first = await one.call_tool("run", {"code": "await fs.writeFile('secret.txt', 'only mine'); return 1"})
        session = first.structured_content["session"]
        expect(len(session) >= 32, "a stateless run answers with an unguessable session handle", session)
        result = await one.call_tool("run", {"code": "return await fs.readFile('secret.txt', 'utf8')", "session": session})
        expect(result.structured_content["value"] == "only mine", "the handle continues the session", text_of(result))
        result = await other.call_tool("run", {"code": "return fs.existsSync('secret.txt')"})
        expect(result.structured_content["value"] is False, "another client's run does not see the file", text_of(result))
        result = await other.call_tool("run", {"code": "return 1", "session": session})
        expect(result.is_error and "no session" in text_of(result), "another token cannot use the handle", text_of(result))

    # The session protocol: the MCP session keeps the files, and ends with a DELETE the SDK
    # accepts (no "Session termination failed" warning).
    async with client(url, a, mode="legacy") as legacy:
        await legacy.call_tool("run", {"code": "await fs.writeFile('n.txt', 'kept')"})
        result = await legacy.call_tool("run", {"code": "return await fs.readFile('n.txt', 'utf8')"})
        expect(result.structured_content["value"] == "kept", "an MCP session keeps its files", text_of(result))


async def profiles(url, a, b):
    # Token A's profile has a weather tool; token B gets the server's own config, which has none.
    async with client(url, a) as one, client(url, b) as other:
        run_a = next(t for t in (await one.list_tools()).tools if t.name == "run")
        run_b = next(t for t in (await other.list_tools()).tools if t.name == "run")
        expect("weather" in run_a.description, "token A's run declares its profile's tool", run_a.description)
        expect("weather" not in run_b.description, "token B's run does not", run_b.description)
        result = await one.call_tool("run", {"code": "return await weather({city: 'Paris'})"})
        expect(result.structured_content["value"] == {"city": "Paris", "temp": 21}, "token A calls its tool", text_of(result))
        result = await one.call_tool("run", {"code": "return await weather({city: 'Oslo'})"})
        expect(result.is_error and "EPOLICY" in text_of(result), "under its profile's policy", text_of(result))
        result = await other.call_tool("run", {"code": "return typeof weather"})
        expect(result.structured_content["value"] == "undefined", "token B has no such tool", text_of(result))


async def doors(url, a, b):
    base = url.rsplit("/", 1)[0]
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
    async with httpx2.AsyncClient(timeout=30) as http:
        r = await http.get(f"{base}/healthz")
        expect(r.status_code == 200, "/healthz answers without a token", r.status_code)
        r = await http.get(f"{base}/readyz")
        expect(r.status_code == 200, "/readyz answers ready", r.status_code)
        r = await http.get(f"{base}/metrics")
        expect(r.status_code == 401, "/metrics asks for a token", r.status_code)
        r = await http.get(f"{base}/metrics", headers={"Authorization": f"Bearer {a}"})
        expect(r.status_code == 200 and "airlock_sessions_live" in r.text, "/metrics with a token", r.text[:200])

        h = headers(MCP_Protocol_Version=LEGACY)
        h["MCP-Protocol-Version"] = LEGACY
        r = await http.post(url, json=init, headers={k: v for k, v in h.items() if k != "Authorization"})
        expect(r.status_code == 401 and r.headers.get("www-authenticate") == "Bearer", "no token: 401", (r.status_code, r.text))
        expect("airlock" not in r.text.lower() and len(r.text) < 40, "the 401 reveals nothing", r.text)
        r = await http.post(url, json=init, headers={**h, "Authorization": "Bearer not-the-right-token"})
        expect(r.status_code == 401, "a wrong token: 401", r.status_code)
        r = await http.post(url, json=init, headers={**h, "Authorization": f"Bearer {a}", "Origin": "http://evil.example"})
        expect(r.status_code == 403, "a foreign Origin (DNS rebinding) is refused", (r.status_code, r.text))
        r = await http.post(url, json=init, headers={**h, "Authorization": f"Bearer {a}", "Host": "evil.example"})
        expect(r.status_code == 403, "a foreign Host is refused", (r.status_code, r.text))
        r = await http.post(url, json=init, headers={**h, "Authorization": f"Bearer {a}", "Origin": base})
        expect(r.status_code == 200, "the local Origin is served", (r.status_code, r.text))
        sid = r.headers.get("mcp-session-id")
        expect(sid, "initialize opens an MCP session")
        own = {**h, "Authorization": f"Bearer {a}", "Mcp-Session-Id": sid}
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        r = await http.post(url, json=note, headers=own)
        expect(r.status_code in (200, 202), "the session takes notifications", r.status_code)
        r = await http.post(url, json=note, headers={**own, "Authorization": f"Bearer {b}"})
        expect(r.status_code == 404, "another token's session does not exist for it", r.status_code)

        big = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "run", "arguments": {"code": "x" * (200 * 1024)}}}
        r = await http.post(url, json=big, headers=own)
        expect(r.status_code == 413, "a body past the bound: 413", r.status_code)

        # A client that sends its body too slowly (the server was started with a 1 s bound).
        host, port = url.split("//")[1].split("/")[0].split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write((f"POST /mcp HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {a}\r\n"
                      "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{").encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(200), timeout=10)
        expect(b" 408 " in answer, "a body sent too slowly: 408", answer)
        writer.close()
        # And one that never finishes its headers is cut off.
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"POST /mcp HTTP/1.1\r\nHost: x\r\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(200), timeout=10)
        expect(answer == b"" or b" 408 " in answer, "headers sent too slowly: cut off", answer)
        writer.close()

        r = await http.delete(url, headers={**own, "Authorization": f"Bearer {b}"})
        expect(r.status_code == 404, "another token cannot end the session", r.status_code)
        r = await http.delete(url, headers=own)
        expect(r.status_code in (200, 204), "DELETE ends the session with 200 or 204", r.status_code)


async def cap(url, token):
    # The server takes two sessions: a third, stateless or not, is refused until one ends.
    async with httpx2.AsyncClient(timeout=30) as http:
        handles = []
        for i in range(2):
            r = await http.post(url, json=modern_call("return 1", id=i), headers=run_headers(token))
            expect(r.status_code == 200 and '"session"' in r.text, f"session {i + 1} of 2", r.text[:200])
            handles.append(json.loads(r.text.split("data: ", 1)[1])["result"]["structuredContent"]["session"])
        r = await http.post(url, json=modern_call("return 1", id=3), headers=run_headers(token))
        expect(r.status_code == 200 and "live sessions" in r.text, "a third session is refused, saying why", r.text[:300])
        r = await http.post(url, json=modern_call("return 2", session=handles[0], id=4), headers=run_headers(token))
        expect('"value":2' in r.text, "the sessions there go on", r.text[:300])
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
        legacy = {**headers(token), "MCP-Protocol-Version": LEGACY}
        for i in range(2):
            r = await http.post(url, json=init, headers=legacy)
            expect(r.status_code == 200 and r.headers.get("mcp-session-id"), f"MCP session {i + 1} of 2", r.status_code)
        r = await http.post(url, json=init, headers=legacy)
        expect(r.status_code == 503 and r.headers.get("retry-after"), "a third MCP session: 503 with Retry-After", (r.status_code, r.text))


async def load(url, token, clients, runs):
    times, failures = [], []

    async def one(n):
        try:
            async with client(url, token) as c:
                session = None
                for i in range(runs):
                    args = {"code": f"return {n} * 1000 + {i}"}
                    if session:
                        args["session"] = session
                    began = time.perf_counter()
                    result = await c.call_tool("run", args)
                    times.append(time.perf_counter() - began)
                    if result.is_error or result.structured_content["value"] != n * 1000 + i:
                        failures.append(text_of(result)[:200])
                    session = result.structured_content.get("session")
        except Exception as e:  # noqa: BLE001 - every failure counts
            failures.append(repr(e)[:200])

    began = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(clients)))
    took = time.perf_counter() - began
    times.sort()
    q = lambda p: times[min(len(times) - 1, int(p * len(times)))] * 1000 if times else 0
    print(json.dumps({"clients": clients, "runs": len(times), "failed": len(failures), "seconds": round(took, 2),
                      "runs_per_s": round(len(times) / took, 1), "p50_ms": round(q(0.5), 1), "p99_ms": round(q(0.99), 1),
                      "first_failures": failures[:3]}))
    expect(not failures, f"{clients} clients x {runs} runs: none failed", failures[:3])


async def flood(url, token, n):
    # Each run busies a slot for a while: past the slots and the queue, the server answers 503.
    code = "const t = Date.now(); while (Date.now() - t < 1500) {} return 1"
    async with httpx2.AsyncClient(timeout=60, limits=httpx2.Limits(max_connections=n)) as http:
        answers = await asyncio.gather(*(http.post(url, json=modern_call(code, id=i), headers=run_headers(token)) for i in range(n)))
    codes = [r.status_code for r in answers]
    busy = [r for r in answers if r.status_code == 503]
    expect(set(codes) <= {200, 503}, "every answer is a run or a 503", codes)
    expect(busy and all(r.headers.get("retry-after") for r in busy), "past the queue: 503 with Retry-After", codes)
    expect(codes.count(200) >= 2, "the runs that got a slot or a place in the queue ran", codes)
    # Their places were given back: the server takes runs again.
    for i in range(3 * n):
        async with httpx2.AsyncClient(timeout=60) as http:
            r = await http.post(url, json=modern_call("return 7"), headers=run_headers(token))
        expect(r.status_code == 200 and '"value":7' in r.text, f"after the flood, run {i + 1} is served", (r.status_code, r.text[:200]))


async def drain(url, token):
    # A run in flight when the server is told to stop still gets its answer.
    code = "const t = Date.now(); while (Date.now() - t < 1500) {} return 'finished'"
    async with httpx2.AsyncClient(timeout=60) as http:
        r = await http.post(url, json=modern_call(code), headers=run_headers(token))
    expect(r.status_code == 200 and "finished" in r.text, "the run in flight finished during the shutdown", (r.status_code, r.text[:300]))


async def latency(url, token, n, files=0):
    # One client, one session (holding `files` small files), `return 1` after `return 1`: the
    # round trip over HTTP.
    async with client(url, token) as c:
        setup = "".join(f"await fs.writeFile('f{i}.txt', 'file {i} ' + 'x'.repeat(200));" for i in range(files))
        first = await c.call_tool("run", {"code": setup + "return 1"})
        session = first.structured_content["session"]
        times = []
        for _ in range(n):
            began = time.perf_counter()
            await c.call_tool("run", {"code": "return 1", "session": session})
            times.append((time.perf_counter() - began) * 1000)
    times.sort()
    print(json.dumps({"runs": n, "p50_ms": round(times[n // 2], 2), "p99_ms": round(times[min(n - 1, int(n * 0.99))], 2)}))


async def idle(url, token, n):
    # n sessions, each with one small file, left idle.
    async with httpx2.AsyncClient(timeout=60) as http:
        for i in range(n):
            r = await http.post(url, json=modern_call(f"await fs.writeFile('a.txt', 'session {i}')", id=i), headers=run_headers(token))
            if r.status_code != 200:
                raise SystemExit(f"FAILED: session {i}: {r.status_code} {r.text[:200]}")
    print(json.dumps({"sessions": n}))


def legacy_post(http, url, body, session=None, token=None):
    """One request of the session protocol, raw: its status, session id and JSON-RPC answers."""
    h = headers(token, **{"MCP-Protocol-Version": LEGACY})
    if session:
        h["Mcp-Session-Id"] = session
    return http.post(url, json=body, headers=h)


def answers(response):
    if response.headers.get("content-type", "").startswith("application/json"):
        return [response.json()]
    return [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:") and line[5:].strip()]


def legacy_run(code, id):
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "run", "arguments": {"code": code}}}


# A read-modify-write that takes a while: two at once on one session would lose an update.
BUMP = "const n = Number(fs.existsSync('counter.txt') ? fs.readFileSync('counter.txt', 'utf8') : 0); " \
       "const t = Date.now(); while (Date.now() - t < 400) {} fs.writeFileSync('counter.txt', String(n + 1)); return n + 1"


async def replicas(token, other, *urls):
    # The stateless protocol: the session's handle goes from server to server.
    clients = [client(url, token) for url in urls]
    async with clients[0] as one, clients[1] as two, clients[2] as three:
        first = await one.call_tool("run", {"code": "await fs.writeFile('a.txt', '1'); return await weather({city: 'Paris'})"})
        expect(not first.is_error, "a run on the first server", text_of(first))
        handle = first.structured_content["session"]
        second = await two.call_tool("run", {"session": handle, "code": "await fs.appendFile('a.txt', ' 2'); await weather({city: 'Paris'}); return await fs.readFile('a.txt', 'utf8')"})
        expect(second.structured_content["value"] == "1 2", "the second server continues the session's files", text_of(second))
        third = await three.call_tool("run", {"session": handle, "code": "await weather({city: 'Paris'}); try { await weather({city: 'Paris'}); return 'allowed'; } catch (e) { return e.code; }"})
        expect(third.structured_content["value"] == "EPOLICY", "the budget of 3 calls held across three servers", text_of(third))
        # Two runs of one session at once on two servers take turns: no update is lost.
        bumps = await asyncio.gather(
            one.call_tool("run", {"session": handle, "code": BUMP}),
            two.call_tool("run", {"session": handle, "code": BUMP}),
        )
        values = sorted(b.structured_content["value"] for b in bumps)
        expect(values == [1, 2], "two servers racing for one session ran one after the other", [text_of(b) for b in bumps])
        count = await three.call_tool("run", {"session": handle, "code": "return fs.readFileSync('counter.txt', 'utf8')"})
        expect(count.structured_content["value"] == "2", "both updates were kept", text_of(count))
    async with client(urls[2], other) as stranger:
        result = await stranger.call_tool("run", {"code": "return 1", "session": handle})
        expect(result.is_error and "no session" in text_of(result), "another token cannot use the handle on any server", text_of(result))

    # The session protocol: an MCP session begun on one server is taken over by another.
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}
    async with httpx2.AsyncClient(timeout=60) as http:
        r = await legacy_post(http, urls[0], init, token=token)
        mcp_session = r.headers.get("mcp-session-id")
        expect(r.status_code == 200 and mcp_session, "an MCP session begins on the first server", r.status_code)
        await legacy_post(http, urls[0], {"jsonrpc": "2.0", "method": "notifications/initialized"}, mcp_session, token)
        r = await legacy_post(http, urls[0], legacy_run("await fs.writeFile('m.txt', 'mcp session'); return 1", 2), mcp_session, token)
        expect(answers(r)[0]["result"]["structuredContent"]["value"] == 1, "a run in the MCP session", r.text[:300])
        r = await legacy_post(http, urls[1], legacy_run("return await fs.readFile('m.txt', 'utf8')", 3), mcp_session, token)
        got = answers(r)
        expect(r.status_code == 200 and got[0]["result"]["structuredContent"]["value"] == "mcp session", "the second server takes the MCP session over with its files", r.text[:300])
        r = await legacy_post(http, urls[2], legacy_run("return 1", 4), mcp_session, other)
        text = r.text
        expect(r.status_code == 404 or "no session" in text, "another token cannot take the MCP session over", (r.status_code, text[:300]))
    print(json.dumps({"handle": handle}))


async def stall(url, token, handle):
    # Changes the files, then never ends: the server is killed under it.
    async with client(url, token) as c:
        await c.call_tool("run", {"session": handle, "code": "await fs.writeFile('partial.txt', 'never committed'); while (true) {}"})


async def after_kill(url, token, handle):
    began = time.perf_counter()
    async with client(url, token) as c:
        result = await c.call_tool("run", {"session": handle, "code": "return [fs.readFileSync('a.txt', 'utf8'), fs.readFileSync('counter.txt', 'utf8'), fs.existsSync('partial.txt')]"})
        expect(result.structured_content["value"] == ["1 2", "2", False], "after a server died mid-run, the session has what was committed and nothing of that run", text_of(result))
        waited = time.perf_counter() - began
        expect(waited < 30, "the dead server's lease ran out", waited)
        result = await c.call_tool("run", {"session": handle, "code": "await fs.writeFile('c.txt', 'after'); return 1"})
        expect(result.structured_content["value"] == 1, "and the session goes on", text_of(result))


async def after_restart(url, token, handle):
    async with client(url, token) as c:
        result = await c.call_tool("run", {"session": handle, "code": "return [fs.readFileSync('c.txt', 'utf8'), fs.readFileSync('a.txt', 'utf8')]"})
        expect(result.structured_content["value"] == ["after", "1 2"], "Redis restarted from its persistence file keeps the session", text_of(result))


async def pending_approvals(http, base, auth, seconds):
    # The approvals the server at `base` lists, once there are any (or [] after `seconds`).
    listed = []
    for _ in range(seconds * 10):
        listed = (await http.get(base + "/approvals", headers=auth)).json()
        if listed:
            break
        await asyncio.sleep(0.1)
    return listed


async def shared_approvals(token, approvals_token, *urls):
    # A run on the first server waits for a person; the second lists the approval, the third
    # takes the answer, and the run goes on where it waits.
    base = [u.rsplit("/mcp", 1)[0] for u in urls]
    auth = {"Authorization": f"Bearer {approvals_token}"}
    async with client(urls[0], token) as one, httpx2.AsyncClient(timeout=30) as http:
        task = asyncio.create_task(one.call_tool("run", {"code": "return await bank.transfer({amount: 5, currency: 'EUR', to: 'ada'})"}))
        listed = await pending_approvals(http, base[1], auth, 15)
        expect(len(listed) == 1 and listed[0]["tool"] == "bank/transfer", "another server lists the approval the run waits for", listed)
        r = await http.post(base[2] + "/approvals/" + listed[0]["id"] + "x", json={"approve": True}, headers=auth)
        expect(r.status_code == 404, "an unknown approval is 404 on any server", (r.status_code, r.text))
        r = await http.post(base[2] + "/approvals/" + listed[0]["id"], json={"approve": True}, headers=auth)
        expect(r.status_code == 202, "a third server takes the answer and passes it on", (r.status_code, r.text))
        result = await task
        expect(result.structured_content["value"] == {"sent": 5}, "the run on the first server goes on with the approval", text_of(result))
        left = (await http.get(base[0] + "/approvals", headers=auth)).json()
        expect(left == [], "nothing is pending any more", left)


async def waiting_run(url, token):
    async with client(url, token) as c:
        first = await c.call_tool("run", {"code": "fs.writeFileSync('one.txt', 'first run'); return 1"})
        expect(first.structured_content["value"] == 1, "a first run", text_of(first))
        handle = first.structured_content["session"]
        print(json.dumps({"handle": handle}), flush=True)
        await c.call_tool("run", {"session": handle, "code": WAITING})


# Writes a file, makes a call, then waits for a person; finishes only once approved.
WAITING = "fs.writeFileSync('before.txt', 'kept'); await ledger.add({entry: 'before'}); " \
          "const sent = await bank.transfer({amount: 5, currency: 'EUR', to: 'ada'}); " \
          "fs.writeFileSync('after.txt', JSON.stringify(sent)); return sent"


async def after_waiting_restart(url, token, approvals_token, handle):
    base = url.rsplit("/mcp", 1)[0]
    auth = {"Authorization": f"Bearer {approvals_token}"}
    async with httpx2.AsyncClient(timeout=30) as http:
        listed = await pending_approvals(http, base, auth, 30)
        expect(len(listed) == 1 and listed[0]["tool"] == "bank/transfer", "the restarted server lists the approval the run waited for", listed)
        expect(listed[0]["args"] == {"amount": 5, "currency": "EUR", "to": "ada"} and listed[0]["prompt"] == "Send 5 EUR to ada?", "with its arguments and prompt", listed[0])
        r = await http.post(base + "/approvals/" + listed[0]["id"], json={"approve": True}, headers=auth)
        expect(r.status_code == 200, "the approval is given", (r.status_code, r.text))
    async with client(url, token) as c:
        # Runs of a session take turns: this one sees what the resumed run left.
        result = await c.call_tool("run", {"session": handle, "code": "return ['one.txt', 'before.txt', 'after.txt'].map(f => fs.readFileSync(f, 'utf8'))"})
        expect(result.structured_content["value"] == ["first run", "kept", '{"ok":true}'], "the run finished in its session, under its handle", text_of(result))


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "private":
        asyncio.run(private(*args))
    elif command == "profiles":
        asyncio.run(profiles(*args))
    elif command == "doors":
        asyncio.run(doors(*args))
    elif command == "load":
        asyncio.run(load(args[0], args[1], int(args[2]), int(args[3])))
    elif command == "cap":
        asyncio.run(cap(*args))
    elif command == "latency":
        asyncio.run(latency(args[0], args[1], int(args[2]), int(args[3]) if len(args) > 3 else 0))
        return
    elif command == "idle":
        asyncio.run(idle(args[0], args[1], int(args[2])))
        return
    elif command == "drain":
        asyncio.run(drain(*args))
    elif command == "replicas":
        asyncio.run(replicas(*args))
    elif command == "shared-approvals":
        asyncio.run(shared_approvals(*args))
    elif command == "stall":
        asyncio.run(stall(*args))
        return
    elif command == "after-kill":
        asyncio.run(after_kill(*args))
    elif command == "after-restart":
        asyncio.run(after_restart(*args))
    elif command == "waiting-run":
        asyncio.run(waiting_run(*args))
        return
    elif command == "after-waiting-restart":
        asyncio.run(after_waiting_restart(*args))
    elif command == "flood":
        asyncio.run(flood(args[0], args[1], int(args[2])))
    else:
        raise SystemExit(f"unknown command {command}")
    print("all checks passed")


if __name__ == "__main__":
    main()
