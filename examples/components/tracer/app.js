// A tracing layer: one JSON record per tool call, POSTed to a collector in `after`.
//
// The `hooks` interface of airlock:layer, as jco componentize maps it: a record is a plain object
// with camelCase fields, a u64 a BigInt, an absent option `undefined`, a variant
// `{ tag, val }`, and a thrown value the `err` of a result. `after` is async: componentize-js
// runs the event loop until its promise settles, so `fetch` (over wasi:http) can be awaited.
//
// The environment is read inside the hooks, never at the top level: the top level runs once, at
// build time, when componentize-js snapshots the engine.

import { log } from "airlock:layer/log@0.1.0";
import { getEnvironment } from "wasi:cli/environment@0.2.12";

// How long `after` waits for the collector. StarlingMonkey's fetch ignores an abort signal (the
// request then goes on in the background), so the wait is bounded by racing a timer.
const TIMEOUT_MS = 2000;

function env() {
  return new Map(getEnvironment());
}

// The collector's address for log lines: no user info, query or fragment (they may hold secrets).
function describe(url) {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function record(call, outcome, withArgs) {
  const ok = outcome.tag === "ok";
  const trace = {
    id: call.id,
    // u64 arrives as a BigInt, which JSON.stringify refuses; runs and indexes stay far below 2^53.
    run: Number(call.run),
    index: Number(call.index),
    tool: call.tool,
    rule: call.rule ?? null,
    line: call.line ?? null,
    traceparent: call.traceparent ?? null,
    ok,
    code: ok ? null : outcome.val.code,
    at: new Date().toISOString(),
  };
  if (withArgs) {
    try {
      trace.args = JSON.parse(call.args);
    } catch {
      trace.args = call.args;
    }
  }
  return trace;
}

// POSTs one record; answers what went wrong, in words, or null.
async function post(url, body, token) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const controller = new AbortController();
  const late = new Error(`no answer within ${TIMEOUT_MS / 1000} s`);
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(late);
    }, TIMEOUT_MS);
  });
  let response;
  try {
    response = await Promise.race([
      fetch(url, { method: "POST", headers, body, signal: controller.signal }),
      timeout,
    ]);
  } catch (error) {
    if (error === late) return late.message;
    // StarlingMonkey reports a request the host refused and a collector that is down alike, and
    // without the host's reason (the host logs that itself), so name both causes.
    const what = String(error instanceof Error ? error.message : error).trim();
    return `the request failed (${what}): is the collector up, and the layer granted its host in \`network\` and POST in \`methods\`?`;
  } finally {
    clearTimeout(timer);
  }
  return response.ok ? null : `the collector answered ${response.status}`;
}

function before(_call) {
  return { tag: "allow" };
}

// What went wrong with sending the trace of `call`, in words, or null.
async function trace(call, outcome) {
  const vars = env();
  const url = vars.get("TRACE_URL");
  if (!url) return "TRACE_URL is not set (give it in the layer's `env` grant)";
  try {
    new URL(url);
  } catch {
    return "TRACE_URL is not a URL";
  }
  const body = JSON.stringify(record(call, outcome, vars.get("TRACE_ARGS") === "1"));
  const failed = await post(url, body, vars.get("TRACE_TOKEN"));
  return failed && `POST ${describe(url)}: ${failed}`;
}

async function after(call, outcome) {
  let failure;
  try {
    failure = await trace(call, outcome);
  } catch (error) {
    failure = `the tracer failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (failure) log("warn", `no trace of ${call.id}: ${failure}`);
  // A tracer never changes what it watches.
  return { tag: "pass" };
}

function verifyCode(_call, _code) {
  throw { reason: "the tracer asks for no approval codes", hint: undefined };
}

export const hooks = { before, after, verifyCode };
