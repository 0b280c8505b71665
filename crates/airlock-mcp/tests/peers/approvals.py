"""Approvals over MCP, checked with the official Python MCP SDK as the client of
`airlock serve --http`, whose config gates `bank/transfer` behind an `approve` layer.

Usage: approvals.py URL TOKEN
       approvals.py URL TOKEN otp SECRET_FILE   (the config gates bank/transfer with an otp layer)

A client with elicitation (on the 2025-06-18 protocol, whose server-to-client requests carry
it) answers in its callback (accept runs the call; decline and cancel
refuse it); a client without elicitation leaves the approval pending, and it is answered over
the token-guarded HTTP endpoint. Exits non-zero naming the first thing that is wrong.
"""

import asyncio
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from mcp import Client, types

PAY = "return await bank.transfer({amount: 5, currency: 'EUR', to: 'ada'})"
PAY_CAUGHT = (
    "try { return await bank.transfer({amount: 5, currency: 'EUR', to: 'ada'}) } "
    "catch (e) { return {code: e.code, message: e.message} }"
)


def expect(cond, what, got=None):
    if not cond:
        raise SystemExit(f"FAILED: {what}" + ("" if got is None else f"\n  got: {got!r}"))
    print(f"ok: {what}")


def answering(action):
    seen = []

    async def callback(context, params):
        seen.append(params.message)
        return types.ElicitResult(action=action, content={} if action == "accept" else None)

    return callback, seen


def http(base, path, token, body=None):
    request = urllib.request.Request(base + path, method="POST" if body is not None else "GET")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data=data, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


async def pending(base, token):
    for _ in range(200):
        status, body = await asyncio.to_thread(http, base, "/approvals", token)
        if status == 200 and body:
            return body
        await asyncio.sleep(0.05)
    return []


async def main(url, token):
    base = url.rsplit("/mcp", 1)[0]

    # "legacy": the initialize handshake, and the server asks during the call; "auto": the
    # stateless protocol, where the call answers with an input request and the client retries.
    for mode in ("legacy", "auto"):
        callback, seen = answering("accept")
        async with Client(url, elicitation_callback=callback, mode=mode) as client:
            result = await client.call_tool("run", {"code": PAY})
            expect(result.structured_content["value"] == {"sent": 5}, f"{mode}: an accepted elicitation runs the call", result.structured_content)
            expect(seen and "Send 5 EUR to ada?" in seen[0], f"{mode}: the person sees the rendered prompt", seen)
            result = await client.call_tool("run", {"code": PAY + "; // again"})
            expect(len(seen) == 2, f"{mode}: every gated call is asked again, once", seen)

        for action in ("decline", "cancel"):
            callback, _ = answering(action)
            async with Client(url, elicitation_callback=callback, mode=mode) as client:
                result = await client.call_tool("run", {"code": PAY_CAUGHT})
                value = result.structured_content["value"]
                expect(value["code"] == "EAPPROVAL", f"{mode}: an elicitation answered with {action} refuses the call with EAPPROVAL", value)

    status, _ = await asyncio.to_thread(http, base, "/approvals", None)
    expect(status == 401, "the approvals endpoint refuses a request without the token", status)
    status, _ = await asyncio.to_thread(http, base, "/approvals", "wrong-token-wrong-token")
    expect(status == 401, "the approvals endpoint refuses a wrong token", status)

    async with Client(url) as client:
        run = asyncio.create_task(client.call_tool("run", {"code": PAY}))
        waiting = await pending(base, token)
        expect(len(waiting) == 1 and waiting[0]["tool"] == "bank/transfer", "a client without elicitation leaves the approval pending on the endpoint", waiting)
        expect(waiting[0]["prompt"] == "Send 5 EUR to ada?" and waiting[0]["args"]["amount"] == 5, "the endpoint shows the prompt and the arguments", waiting)
        status, body = await asyncio.to_thread(http, base, "/approvals/" + waiting[0]["id"], token, {"approve": True})
        expect(status == 200, "the endpoint takes the answer", body)
        result = await asyncio.wait_for(run, 30)
        expect(result.structured_content["value"] == {"sent": 5}, "the approved call runs and the run finishes", result.structured_content)
        status, body = await asyncio.to_thread(http, base, "/approvals/" + waiting[0]["id"], token, {"approve": True})
        expect(status == 404, "an approval is answered once", body)

        run = asyncio.create_task(client.call_tool("run", {"code": PAY_CAUGHT}))
        waiting = await pending(base, token)
        status, _ = await asyncio.to_thread(http, base, "/approvals/" + waiting[0]["id"], token, {"approve": False, "reason": "not today"})
        result = await asyncio.wait_for(run, 30)
        value = result.structured_content["value"]
        expect(value["code"] == "EAPPROVAL" and "not today" in value["message"], "a denial over the endpoint is EAPPROVAL with its reason", value)

        result = await client.call_tool("run", {"code": PAY_CAUGHT})
        value = result.structured_content["value"]
        expect(value["code"] == "EAPPROVAL" and "no answer" in value["message"], "an approval nobody answers times out as EAPPROVAL", value)

    print("all checks passed")


async def otp(url, token, secret_file):
    import pyotp

    secret = open(secret_file).read().strip()
    pages = []

    async def callback(context, params):
        page_url = getattr(params, "url", None)
        if page_url is None:
            return types.ElicitResult(action="decline")
        pages.append(page_url)

        def type_the_code():
            with urllib.request.urlopen(page_url, timeout=10) as response:
                html = response.read().decode()
            code = pyotp.TOTP(secret).now()
            data = urllib.parse.urlencode({"code": code}).encode()
            with urllib.request.urlopen(urllib.request.Request(page_url, data=data), timeout=10) as response:
                return html, response.status

        html, status = await asyncio.to_thread(type_the_code)
        expect("Send 5 EUR to ada?" in html and "one-time-code" in html, "the loopback page shows the prompt and a code field", html)
        expect(status == 200, "the page takes the code", status)
        return types.ElicitResult(action="accept")

    async with Client(url, elicitation_callback=callback, mode="legacy") as client:
        result = await client.call_tool("run", {"code": PAY})
        expect(result.structured_content["value"] == {"sent": 5}, "a code typed on the URL-mode page runs the call", result.structured_content)
        expect(len(pages) == 1 and pages[0].startswith(url.rsplit("/mcp", 1)[0] + "/approvals/page/"), "the code is asked by URL, never in a form", pages)
        try:
            urllib.request.urlopen(pages[0], timeout=10)
            expect(False, "a used page is gone")
        except urllib.error.HTTPError as e:
            expect(e.code == 404, "a used page is gone", e.code)
    print("all checks passed")


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[3] == "otp":
        asyncio.run(otp(sys.argv[1], sys.argv[2], sys.argv[4]))
    else:
        asyncio.run(main(sys.argv[1], sys.argv[2]))
