// Tests for crates/airlock-guest/src/prelude.js, run under Node's vm with a fake host:
//   node crates/airlock-guest/prelude-test/test.mjs
// Node's V8 differs from QuickJS (stack format, some builtins), so these check the
// prelude's own logic; QuickJS-specific behaviour still needs the real guest.
import assert from 'node:assert/strict';
import path from 'node:path';
import nodeCrypto from 'node:crypto';
globalThis.nodeCrypto = nodeCrypto;
import nodeEvents from 'node:events';
import nodeUtil from 'node:util';
globalThis.nodeEvents = nodeEvents;
globalThis.nodeUtil = nodeUtil;
import { makeSandbox } from './harness.mjs';
// The sandbox's dates are in UTC; Node's must be too for the locale comparisons.
process.env.TZ = 'UTC';

const tests = [];
// Values built in the sandbox realm have other prototypes: compare structurally.
const deq = (actual, expected, msg) => assert.deepStrictEqual(structuredClone(actual), expected, msg);
const test = (name, fn) => tests.push({ name, fn });

// ---------------------------------------------------------------------------
test('host is hidden, __airlock is non-enumerable', () => {
  const s = makeSandbox();
  assert.equal(s.run('typeof __airlock_host'), 'undefined');
  assert.equal(s.run('Object.keys(globalThis).includes("__airlock")'), false);
  assert.equal(s.run('typeof __airlock.timersNext'), 'function');
  for (const g of ['console', 'setTimeout', 'URL', 'TextEncoder', 'structuredClone', 'atob', 'fs', 'require', 'crypto', 'performance']) {
    if (g === 'fs') continue; // fs is only reachable through require
    assert.notEqual(s.run(`typeof ${g}`), 'undefined', g);
  }
});

test('Headers, Request, Response and AbortController behave as Node\'s', async () => {
  const s = makeSandbox();
  const exprs = [
    `[...new Headers({ 'B': '2', 'a': '1', 'set-cookie': 'x=1' })]`,
    `(() => { const h = new Headers([['a', '1'], ['A', '2']]); h.set('c', ' 3 '); h.delete('x'); return [h.get('a'), h.has('C'), h.get('zz'), [...h.keys()], [...h.values()]]; })()`,
    `(() => { const h = new Headers(); h.append('set-cookie', 'a=1'); h.append('Set-Cookie', 'b=2'); return [h.get('set-cookie'), h.getSetCookie(), [...h]]; })()`,
    `(() => { const h = new Headers({ a: '1' }); const seen = []; h.forEach((v, k) => seen.push(k + '=' + v)); return seen; })()`,
    `(() => { const r = new Response('hi', { status: 201, statusText: 'Made', headers: { 'X-A': '1' } }); return [r.status, r.ok, r.statusText, r.headers.get('content-type'), r.headers.get('x-a'), r.bodyUsed, r.type, r.redirected, r.url]; })()`,
    `(() => { const r = Response.json({ a: 1 }, { status: 202 }); return [r.status, r.headers.get('content-type')]; })()`,
    `(() => { const r = Response.redirect('https://a.com/x', 301); return [r.status, r.headers.get('location')]; })()`,
    `[Response.error().type, Response.error().status]`,
    `(() => { const r = new Request('https://a.com/x?y=1', { method: 'post', body: 'b', headers: { 'X': '1' } }); return [r.url, r.method, r.headers.get('content-type'), r.headers.get('x'), r.redirect]; })()`,
    `[new Request('https://a.com/', { method: 'delete' }).method, new Request('https://a.com/', { method: 'purge' }).method]`,
    `(() => { const r = new Request(new Request('https://a.com/', { method: 'PUT' }), { headers: { a: '1' } }); return [r.method, r.url, [...r.headers]]; })()`,
    `(() => { try { new Request('https://a.com', { method: 'GET', body: 'x' }); } catch (e) { return [e.name, e.message]; } })()`,
    `(() => { try { new Request('/relative'); } catch (e) { return [e.name, e.message]; } })()`,
    `(() => { try { new Response('x', { status: 99 }); } catch (e) { return [e.name, e.message]; } })()`,
    `(() => { const c = new AbortController(); let n = 0; c.signal.addEventListener('abort', () => n++); c.abort(); c.abort(); return [c.signal.aborted, n, c.signal.reason.name, c.signal.reason.message]; })()`,
    `(() => { const c = new AbortController(); c.abort('why'); try { c.signal.throwIfAborted(); } catch (e) { return [e, c.signal.reason]; } })()`,
    `(() => { const s = AbortSignal.abort(); return [s.aborted, s.reason.name]; })()`,
    `(() => { const c = new AbortController(); const any = AbortSignal.any([c.signal]); c.abort(); return [any.aborted, any.reason.name]; })()`,
    `[typeof AbortSignal.timeout(10), AbortSignal.timeout(10).aborted]`,
    `(() => { try { new Headers({ 'a b': '1' }); } catch (e) { return e.name; } })()`,
  ];
  for (const expr of exprs) {
    // eslint-disable-next-line no-eval
    const want = (0, eval)(expr);
    deq(s.run(expr), want, expr);
  }
  const asyncs = [
    `new Response('{"a":[1,2]}').json()`,
    `new Response(new Uint8Array([104, 105])).text()`,
    `new Response('héllo').arrayBuffer().then((b) => [...new Uint8Array(b)])`,
    `new Response('hi').bytes().then((b) => [...b])`,
    `(async () => { const r = new Response('x'); await r.text(); try { await r.text(); } catch (e) { return [e.name, e.message, r.bodyUsed]; } })()`,
    `(async () => { const r = new Response('x'); const c = r.clone(); return [await r.text(), await c.text()]; })()`,
    `new Request('https://a.com', { method: 'POST', body: new URLSearchParams({ q: 'a b' }) }).text()`,
    `new Request('https://a.com', { method: 'POST', body: new URLSearchParams({ q: 'a b' }) }).headers.get('content-type')`,
  ];
  for (const expr of asyncs) {
    // eslint-disable-next-line no-eval
    const want = await (0, eval)(expr);
    deq(await s.run(expr), want, expr);
  }
});

test('Intl and toLocaleString: the same en-US output as Node', () => {
  const s = makeSandbox();
  const d = 'new Date(Date.UTC(2024, 2, 5, 14, 7, 9, 45))';
  const am = 'new Date(Date.UTC(2023, 11, 31, 3, 5, 0))';
  const exprs = [
    // Numbers.
    `[1234567.891, 0, -0, 1e21, 0.000123, 1.005, 2.5, -2.5, 12, NaN, Infinity, -1234.5].map((n) => n.toLocaleString())`,
    `(1.005).toLocaleString('en-US', { maximumFractionDigits: 2 })`,
    `[0.256, 0.5, 1, 0.29, -0.075].map((n) => n.toLocaleString('en-US', { style: 'percent' }))`,
    `(0.5).toLocaleString('en-US', { style: 'percent', minimumFractionDigits: 1 })`,
    `[['USD', 1234.5], ['EUR', -1234.5], ['GBP', 0.5], ['JPY', 1234.5], ['CHF', 1234.5], ['CAD', 10], ['INR', 1e6]].map(([c, n]) => n.toLocaleString('en-US', { style: 'currency', currency: c }))`,
    `(1234.5).toLocaleString('en-US', { style: 'currency', currency: 'USD', currencyDisplay: 'code' })`,
    `(-5).toLocaleString('en-US', { style: 'currency', currency: 'USD', currencySign: 'accounting' })`,
    `(1234.5).toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 })`,
    `[999, 1000, 1234, 12345, 123456, 999999, 1500000000, 2.5e12, 0.123, -4321].map((n) => n.toLocaleString('en-US', { notation: 'compact' }))`,
    `(1234).toLocaleString('en-US', { notation: 'compact', compactDisplay: 'long' })`,
    `[(5).toLocaleString('en-US', { minimumFractionDigits: 2 }), (3.14159).toLocaleString('en-US', { maximumFractionDigits: 2 }), (7).toLocaleString('en-US', { minimumIntegerDigits: 3 })]`,
    `[(123456.789).toLocaleString('en-US', { maximumSignificantDigits: 3 }), (0.00012345).toLocaleString('en-US', { maximumSignificantDigits: 2 }), (1.5).toLocaleString('en-US', { minimumSignificantDigits: 3 })]`,
    `[(1234.5).toLocaleString('en-US', { useGrouping: false }), (5).toLocaleString('en-US', { signDisplay: 'always' }), (0).toLocaleString('en-US', { signDisplay: 'exceptZero' })]`,
    `new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(42)`,
    `[1, 22, 333].map(new Intl.NumberFormat().format)`,
    `(12345678901234567890n).toLocaleString()`,
    `new Intl.NumberFormat().resolvedOptions().maximumFractionDigits`,
    // Dates, in UTC.
    `[${d}.toLocaleString(), ${d}.toLocaleDateString(), ${d}.toLocaleTimeString(), ${am}.toLocaleString()]`,
    `['full', 'long', 'medium', 'short'].map((s) => ${d}.toLocaleDateString('en-US', { dateStyle: s }))`,
    `['full', 'long', 'medium', 'short'].map((s) => ${d}.toLocaleTimeString('en-US', { timeStyle: s }))`,
    `[${d}.toLocaleString('en-US', { dateStyle: 'long', timeStyle: 'short' }), ${d}.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'medium' }), ${d}.toLocaleString('en-US', { dateStyle: 'short', timeStyle: 'long' })]`,
    `[{ month: 'short', day: 'numeric', year: 'numeric' }, { weekday: 'short', month: 'long', day: '2-digit' }, { month: 'long', year: 'numeric' }, { month: 'long' }, { year: 'numeric' }, { weekday: 'long' }, { year: '2-digit', month: '2-digit' }, { year: 'numeric', month: '2-digit', day: '2-digit' }, { month: 'numeric', day: 'numeric' }, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' }].map((o) => ${d}.toLocaleDateString('en-US', o))`,
    `[{ hour: '2-digit', minute: '2-digit' }, { hour12: false }, { hour: 'numeric' }, { hour: 'numeric', hour12: false }, { minute: '2-digit' }, { hour: 'numeric', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 2 }].map((o) => ${d}.toLocaleTimeString('en-US', o))`,
    `${am}.toLocaleTimeString('en-US', { hour12: false })`,
    `[${d}.toLocaleString('en-US', { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' }), ${d}.toLocaleString('en-US', { timeZoneName: 'short' }), ${d}.toLocaleString('en-US', { timeZone: 'UTC' })]`,
    `${d}.toLocaleDateString('en-US', { hour: 'numeric' })`,
    `new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric' }).format(${d})`,
    `[${d}, ${am}].map(new Intl.DateTimeFormat().format)`,
    `new Intl.DateTimeFormat().resolvedOptions().timeZone`,
    `new Date(NaN).toLocaleString()`,
    // Collation.
    `['b', 'a', 'C', 'á', 'A', 'ä', 'B', '10', '9', ' x', '_y', 'Zebra', 'zebra'].sort((x, y) => x.localeCompare(y))`,
    `['a'.localeCompare('B'), 'a'.localeCompare('A'), 'a'.localeCompare('á'), 'b'.localeCompare('a'), 'a'.localeCompare('a')]`,
    `['item10', 'item2', 'item1'].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))`,
    `['a'.localeCompare('A', undefined, { sensitivity: 'base' }), 'a'.localeCompare('á', undefined, { sensitivity: 'base' }), 'a'.localeCompare('á', undefined, { sensitivity: 'accent' })]`,
    `['x10', 'x9', 'X1'].sort(new Intl.Collator('en', { numeric: true }).compare)`,
    // Plurals, relative times, lists.
    `[0, 1, 2].map((n) => new Intl.PluralRules('en-US').select(n))`,
    `[1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101].map((n) => new Intl.PluralRules('en-US', { type: 'ordinal' }).select(n))`,
    `[[-1, 'day'], [1, 'day'], [0, 'day'], [-3, 'days'], [2, 'month'], [-1, 'year'], [5, 'minutes']].map(([n, u]) => new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(n, u))`,
    `[[-1, 'day'], [3, 'hour'], [-2, 'week']].map(([n, u]) => new Intl.RelativeTimeFormat('en').format(n, u))`,
    `[[], ['a'], ['a', 'b'], ['a', 'b', 'c']].map((l) => new Intl.ListFormat('en', { type: 'conjunction' }).format(l))`,
    `new Intl.ListFormat('en', { type: 'disjunction' }).format(['x', 'y', 'z'])`,
  ];
  for (const expr of exprs) {
    // eslint-disable-next-line no-eval
    const want = (0, eval)(expr);
    deq(s.run(expr), want, expr);
  }
  assert.throws(() => s.run(`new Date(0).toLocaleString('en-US', { timeZone: 'America/New_York' })`), (e) => e.name === 'RangeError' && /UTC/.test(e.message));
  assert.throws(() => s.run(`new Intl.NumberFormat('en-US', { style: 'currency' })`), (e) => e.name === 'TypeError');
});

test('inspect: primitives and JSON-ish data', () => {
  const s = makeSandbox();
  const I = (expr) => s.run(`__airlock.inspect(${expr})`);
  assert.equal(I('{a:1,b:[1,2]}'), '{"a":1,"b":[1,2]}');
  assert.equal(I('{"we\\"ird":"x\\ny"}'), '{"we\\"ird":"x\\ny"}');
  assert.equal(I('[1,"a",null,true]'), '[1,"a",null,true]');
  assert.equal(I('{u:undefined, n:NaN, i:-Infinity, z:-0}'), '{"u":undefined,"n":NaN,"i":-Infinity,"z":-0}');
  assert.equal(I('[undefined]'), '[undefined]');
  assert.equal(I('123n'), '123n');
  assert.equal(I('{b: 5n}'), '{"b":5n}');
  assert.equal(I('Symbol("x")'), 'Symbol(x)');
  assert.equal(I('{s: Symbol()}'), '{"s":Symbol()}');
  assert.equal(I('{[Symbol("k")]: 1}'), '{[Symbol(k)]:1}');
  assert.equal(I('"str"'), '"str"');
  assert.equal(I('Object.create(null)'), '{}');
  assert.equal(I('Object.assign(Object.create(null), {a: 1})'), '{"a":1}');
  assert.equal(I('[1,,3]'), '[1,<1 empty item>,3]');
  assert.equal(I('new Array(1e9)'), '[<1000000000 empty items>]');
  assert.equal(I('(() => { const a = [1]; a[5e8] = 2; a[1e9 - 1] = 3; return a; })()'), '[1,<499999999 empty items>,2,<499999998 empty items>,3]');
  assert.equal(I('(() => { const a = [1]; a[20005] = 2; return a; })()'), '[1,<20004 empty items>,2]');
});

test('inspect: functions and classes', () => {
  const s = makeSandbox();
  const I = (expr) => s.run(`__airlock.inspect(${expr})`);
  assert.equal(I('function foo() {}'), '[Function: foo]');
  assert.equal(I('(() => () => 1)()'), '[Function (anonymous)]');
  assert.equal(I('class X {}'), '[class X]');
  assert.equal(I('(class {})'), '[class (anonymous)]');
  assert.equal(I('async function af() {}'), '[AsyncFunction: af]');
  assert.equal(I('{f() {}}'), '{"f":[Function: f]}');
  assert.equal(I('new (class Point { constructor() { this.x = 1; } })()'), 'Point {"x":1}');
  assert.equal(I('new (class Empty {})()'), 'Empty {}');
});

test('inspect: builtins', () => {
  const s = makeSandbox();
  const I = (expr) => s.run(`__airlock.inspect(${expr})`);
  assert.equal(I('new Map([["a", 1]])'), "Map(1) { 'a' => 1 }");
  assert.equal(I('new Map([["a", {x: "y"}]])'), `Map(1) { 'a' => {"x":"y"} }`);
  assert.equal(I('new Map()'), 'Map(0) {}');
  assert.equal(I('new Set([1, 2])'), 'Set(2) { 1, 2 }');
  assert.equal(I('new Set(["it\'s"])'), `Set(1) { "it's" }`);
  assert.equal(I('{m: new Set(["a"])}'), `{"m":Set(1) { 'a' }}`);
  assert.equal(I('new Date(0)'), '1970-01-01T00:00:00.000Z');
  assert.equal(I('{d: new Date(0)}'), '{"d":"1970-01-01T00:00:00.000Z"}');
  assert.equal(I('new Date(NaN)'), 'Invalid Date');
  assert.equal(I('/x/g'), '/x/g');
  assert.equal(I('{r: /a\\/b/i}'), '{"r":/a\\/b/i}');
  assert.equal(I('new Uint8Array([1, 2, 3])'), 'Uint8Array(3) [ 1, 2, 3 ]');
  assert.equal(I('new Uint8Array(0)'), 'Uint8Array(0) []');
  assert.equal(I('new BigInt64Array(1)'), 'BigInt64Array(1) [ 0n ]');
  assert.match(I('new Uint8Array(150)'), /^Uint8Array\(150\) \[ 0, .*, 0, \.\.\. 50 more items \]$/);
  assert.equal(I('new ArrayBuffer(8)'), 'ArrayBuffer { byteLength: 8 }');
  assert.equal(I('new DataView(new ArrayBuffer(4), 1)'), 'DataView { byteLength: 3, byteOffset: 1 }');
  assert.equal(I('Promise.resolve(1)'), 'Promise { <pending> }');
  assert.equal(I('new WeakMap()'), 'WeakMap { <items unknown> }');
  assert.equal(I('new Number(3)'), '[Number: 3]');
  assert.equal(I('new String("s")'), '[String: "s"]');
  assert.equal(I('(function () { return arguments; })(1, 2)'), '[Arguments] [1,2]');
  assert.equal(I('{toJSON() { return {y: 2}; }}'), '{"y":2}');
  assert.equal(I('{a: {toJSON() { return "J"; }}}'), '{"a":"J"}');
  assert.equal(I('new URL("https://a.com/x?y=1")').slice(0, 30), 'URL {"href":"https://a.com/x?y');
  assert.equal(I('new URLSearchParams("a=1&b=2")'), "URLSearchParams { 'a' => '1', 'b' => '2' }");
});

test('inspect: errors', () => {
  const s = makeSandbox();
  const top = s.run(`function boom() { return new TypeError("bad thing"); } __airlock.inspect(boom())`);
  const lines = top.split('\n');
  assert.equal(lines[0], 'TypeError: bad thing');
  assert.match(lines[1], /^ {4}at boom \(script\.js:1:\d+\)$/);
  assert.ok(!top.includes('airlock:prelude'));
  assert.equal(s.run('__airlock.inspect({e: new RangeError("r")})'), '{"e":[RangeError: r]}');
  assert.equal(s.run('__airlock.inspect([new Error("")])'), '[[Error]]');
  assert.equal(s.run('class MyErr extends Error {}; __airlock.inspect({e: new MyErr("m")})'), '{"e":[MyErr: m]}');
  const withCode = s.run('const e2 = new Error("x"); e2.code = "E_X"; __airlock.inspect(e2)');
  assert.match(withCode, /^Error: x\n[\s\S]* \{"code":"E_X"\}$/);
  const withCause = s.run('__airlock.inspect(new Error("outer", {cause: new Error("inner")}))');
  assert.match(withCause, /^Error: outer\n[\s\S]*\n {2}\[cause\]: Error: inner/);
});

test('inspect: cycles, depth, getters, proxies, wide arrays', () => {
  const s = makeSandbox();
  const I = (expr) => s.run(`__airlock.inspect(${expr})`);
  assert.equal(I('(() => { const o = {a: 1}; o.self = o; return o; })()'), '{"a":1,"self":[Circular]}');
  assert.equal(I('(() => { const a = [1]; a.push(a); return a; })()'), '[1,[Circular]]');
  assert.equal(I('(() => { const o = {}; return [o, o]; })()'), '[{},{}]'); // shared, not circular
  const deep = I('(() => { let o = {}; for (let i = 0; i < 50; i++) o = {n: o}; return o; })()');
  assert.ok(deep.includes('[Object]'));
  assert.ok(deep.length < 400);
  assert.equal(I('{get g() { throw new Error("no"); }, ok: 1}'), '{"g":[Getter: threw],"ok":1}');
  assert.equal(I('{get g() { return 5; }}'), '{"g":5}');
  assert.equal(I('new Proxy({a: 1}, {})'), '{"a":1}');
  const hostile = I('new Proxy({}, {ownKeys() { throw new Error("trap"); }, get() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); }})');
  assert.match(hostile, /^\[Uninspectable object: trap\]$/);
  const revoked = I('(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()');
  assert.match(revoked, /Uninspectable/);
  const wide = I('Array.from({length: 200000}, (_, i) => i)');
  assert.ok(wide.startsWith('[0,1,2,') && wide.endsWith(',199999]'));
  assert.equal(I('globalThis').slice(0, 1), '{');
});

test('console: routing, unbound, format specifiers', () => {
  const s = makeSandbox();
  s.run('const log = console.log; log(1, "a", {b: 2}, [3]);');
  assert.equal(s.take(1), '1 a {"b":2} [3]\n');
  s.run('console.error("bad", new Map([[1, 2]])); console.warn("w")');
  assert.equal(s.take(2), 'bad Map(1) { 1 => 2 }\nw\n');
  s.run('console.info("i"); console.debug("d")');
  assert.equal(s.take(1), 'i\nd\n');
  s.run(`console.log("%s is %d years and %i, %f; %j %o %O %c|%% %x", "Bob", 42.5, 42.9, "1.5", {a:1}, [1], {b:"c"}, "color: red", "extra")`);
  assert.equal(s.take(1), 'Bob is 42.5 years and 42, 1.5; {"a":1} [1] {"b":"c"} |% %x extra\n');
  s.run('console.log("%s %s", "only-one")');
  assert.equal(s.take(1), 'only-one %s\n');
  s.run('console.log("100%")');
  assert.equal(s.take(1), '100%\n');
  s.run('console.log("%%")');
  assert.equal(s.take(1), '%%\n');
  s.run('console.log("%d", 5n); console.log("%s", {a:1}); console.log("%j", (() => { const o = {}; o.o = o; return o; })())');
  assert.equal(s.take(1), '5n\n{"a":1}\n[Circular]\n');
  s.run('console.log()');
  assert.equal(s.take(1), '\n');
  s.run('console.log(undefined, null)');
  assert.equal(s.take(1), 'undefined null\n');
});

test('console: assert, count, time, group, trace, dir, table', () => {
  const s = makeSandbox();
  s.run('console.assert(true, "no"); console.assert(false, "yes %s", "x"); console.assert(0)');
  assert.equal(s.take(2), 'Assertion failed: yes x\nAssertion failed\n');
  s.run('console.count(); console.count(); console.count("k"); console.countReset(); console.count()');
  assert.equal(s.take(1), 'default: 1\ndefault: 2\nk: 1\ndefault: 1\n');
  s.run('console.time("t")');
  s.clock.t += 12.5;
  s.run('console.timeEnd("t"); console.timeEnd("t")');
  assert.equal(s.take(1), 't: 12.500ms\n');
  assert.match(s.take(2), /No such label 't'/);
  s.run('console.group("G"); console.log("a\\nb"); console.groupEnd(); console.log("c")');
  assert.equal(s.take(1), 'G\n  a\n  b\nc\n');
  s.run('function tr() { console.trace("here", 1); } tr()');
  const tr = s.take(2);
  assert.match(tr, /^Trace: here 1\n {4}at tr \(script\.js:1:\d+\)/);
  assert.ok(!tr.includes('airlock:prelude'));
  s.run('console.dir({a: "b"}); console.table([{a: 1}])');
  assert.equal(s.take(1), '{"a":"b"}\n[{"a":1}]\n');
});

test('format and formatError', () => {
  const s = makeSandbox();
  assert.equal(s.run('__airlock.format(undefined)'), undefined);
  assert.equal(s.run('__airlock.format("hi")'), 'hi');
  assert.equal(s.run('__airlock.format({a: [1]})'), '{"a":[1]}');
  assert.equal(s.run('__airlock.format(null)'), 'null');
  assert.equal(s.run('__airlock.formatError(42)'), 'Uncaught 42');
  assert.equal(s.run('__airlock.formatError("x")'), "Uncaught 'x'");
  assert.equal(s.run('__airlock.formatError({code: 1})'), 'Uncaught {"code":1}');
  assert.equal(s.run('__airlock.formatError(undefined)'), 'Uncaught undefined');
  const e = s.run(`function f() {\n  throw new Error("boom");\n}\nlet caught; try { f(); } catch (e) { caught = e; } __airlock.formatError(caught)`);
  const lines = e.split('\n');
  assert.equal(lines[0], 'Error: boom');
  assert.equal(lines[1], '    at f (script.js:2:9)');
  // QuickJS-style stack (frames only, no header) with prelude frames mixed in.
  const q = s.run(`__airlock.formatError({__proto__: Error.prototype, name: 'TypeError', message: 'not a function',
    stack: '    at setTimeout (airlock:prelude:400:5)\\n    at f (script.js:3:5)\\n    at <eval> (script.js:5:1)\\n'})`);
  // `at <eval>` is the wrapper's own call, not the user's code.
  assert.equal(q, 'TypeError: not a function\n    at f (script.js:3:5)');
  const q2 = s.run(`__airlock.formatError({__proto__: Error.prototype, message: 'm',
    stack: '    at cb (script.js:1:1)\\n    at apply (native)\\n    at timersRun (airlock:prelude:9:9)\\n    at Promise (native)\\n    at <eval> (script.js:5:1)\\n    at map (native)\\n'})`);
  assert.equal(q2, 'Error: m\n    at cb (script.js:1:1)');
  const weird = s.run(`__airlock.formatError(new Proxy(new Error("p"), {get() { throw 1; }}))`);
  assert.equal(typeof weird, 'string');
});

test('timers: ordering, intervals, clear, args, unref', () => {
  const s = makeSandbox();
  const A = s.airlock;
  A.reset();
  assert.equal(A.timersNext(), -1);
  s.run(`globalThis.order = [];
    setTimeout(() => order.push('t20'), 20);
    setTimeout((a, b) => order.push('t10:' + a + b), 10, 'x', 'y');
    setTimeout(() => order.push('t10b'), 10);
    const c = setTimeout(() => order.push('cleared'), 5);
    clearTimeout(c);
    setImmediate(() => order.push('imm'));
    setTimeout(() => order.push('t0'), 0);`);
  assert.equal(A.timersNext(), 0);
  A.timersRun();
  deq(s.run('order'), ['imm']);
  assert.equal(A.timersNext(), 1);
  s.clock.t += 10;
  assert.equal(A.timersNext(), 0);
  A.timersRun();
  deq(s.run('order.slice()'), ['imm', 't0', 't10:xy', 't10b']);
  assert.equal(A.timersNext(), 10);
  s.clock.t += 10;
  A.timersRun();
  assert.equal(s.run('order.at(-1)'), 't20');
  assert.equal(A.timersNext(), -1);

  // interval rescheduling + clearInterval from inside the callback; id as number works too
  s.run(`globalThis.n = 0; const iv = setInterval(() => { if (++n === 3) clearInterval(+iv); }, 5);`);
  for (let i = 0; i < 5; i++) { s.clock.t += 5; A.timersRun(); }
  assert.equal(s.run('n'), 3);
  assert.equal(A.timersNext(), -1);

  // zero-delay timers created during a run wait for the next run (no livelock)
  s.run(`globalThis.k = 0; (function again() { k++; setTimeout(again, 0); })();`);
  s.clock.t += 1;
  A.timersRun();
  assert.equal(s.run('k'), 2);
  A.reset();
  assert.equal(A.timersNext(), -1);

  // unref'd timers don't keep the loop alive
  s.run(`setTimeout(() => {}, 100).unref()`);
  assert.equal(A.timersNext(), -1);
  assert.throws(() => s.run('setTimeout("code", 1)'), /callback/);
});

test('timers: a throwing callback fails the run and stops the loop', () => {
  const s = makeSandbox();
  const A = s.airlock;
  A.reset();
  s.run(`globalThis.after = false;
    function cb() { throw new Error("timer boom"); }
    setTimeout(cb, 1); setTimeout(() => { after = true; }, 1); setTimeout(() => {}, 50);`);
  s.clock.t += 1;
  A.timersRun();
  assert.equal(A.failed, true);
  assert.equal(s.run('after'), false);
  assert.equal(A.timersNext(), -1);
  const err = s.take(2);
  assert.match(err, /^Error: timer boom\n {4}at (Timeout\.)?cb \(script\.js:\d+:\d+\)/);
  assert.ok(!err.includes('airlock:prelude'));
  A.reset();
  assert.equal(A.failed, false);
});

test('queueMicrotask, performance, Math.random, crypto', async () => {
  const s = makeSandbox();
  s.run('globalThis.mt = []; queueMicrotask(() => mt.push(1));');
  await new Promise((r) => setTimeout(r, 0));
  deq(s.run('mt.slice()'), [1]);
  s.airlock.reset();
  s.clock.t += 7;
  assert.equal(s.run('performance.now()'), 7);
  assert.equal(s.run('typeof performance.timeOrigin'), 'number');
  const r = s.run('Math.random()');
  assert.ok(r >= 0 && r < 1);
  assert.match(s.run('crypto.randomUUID()'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(s.run('(() => { const a = new Uint32Array(8); crypto.getRandomValues(a); return a.some((x) => x !== 0); })()'), true);
  assert.throws(() => s.run('crypto.getRandomValues(new Float32Array(2))'), /integer/);
  assert.throws(() => s.run('crypto.getRandomValues(new Uint8Array(70000))'), (e) => e.name === 'QuotaExceededError');
});

test('atob / btoa', () => {
  const s = makeSandbox();
  for (const str of ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar', '\u00ff\u0000\u0080']) {
    assert.equal(s.run(`btoa(${JSON.stringify(str)})`), btoa(str));
    assert.equal(s.run(`atob(btoa(${JSON.stringify(str)}))`), str);
  }
  assert.equal(s.run('atob(" Zm9v YmFy\\n")'), 'foobar');
  assert.equal(s.run('atob("Zm9vYg")'), 'foob');
  assert.throws(() => s.run('btoa("€")'), (e) => e.name === 'InvalidCharacterError');
  assert.throws(() => s.run('atob("Zm9vY")'), (e) => e.name === 'InvalidCharacterError');
  assert.throws(() => s.run('atob("Zm9v!")'), (e) => e.name === 'InvalidCharacterError');
});

test('TextEncoder / TextDecoder', () => {
  const s = makeSandbox();
  const str = 'héllo wörld 😀 €';
  deq([...s.run(`new TextEncoder().encode(${JSON.stringify(str)})`)], [...Buffer.from(str)]);
  assert.equal(s.run(`new TextDecoder().decode(new TextEncoder().encode(${JSON.stringify(str)}))`), str);
  assert.equal(s.run('new TextEncoder().encoding'), 'utf-8');
  assert.equal(s.run('new TextEncoder().encode().length'), 0);
  deq([...s.run('new TextEncoder().encode("\\ud800")')], [0xef, 0xbf, 0xbd]);
  assert.equal(s.run('new TextEncoder().encode("a") instanceof Uint8Array'), true);
  deq(s.run('(() => { const d = new Uint8Array(5); const r = new TextEncoder().encodeInto("a😀b", d); return [r.read, r.written, [...d]]; })()'),
    [3, 5, [0x61, 0xf0, 0x9f, 0x98, 0x80]]);
  deq(s.run('(() => { const d = new Uint8Array(3); const r = new TextEncoder().encodeInto("a😀", d); return [r.read, r.written]; })()'), [1, 1]);
  assert.equal(s.run('new TextDecoder("UTF8").encoding'), 'utf-8');
  assert.equal(s.run('new TextDecoder().decode()'), '');
  assert.equal(s.run('new TextDecoder().decode(new Uint8Array([0xef,0xbb,0xbf,0x61]))'), 'a');
  assert.equal(s.run('new TextDecoder("utf-8", {ignoreBOM: true}).decode(new Uint8Array([0xef,0xbb,0xbf,0x61]))'), '\ufeffa');
  assert.equal(s.run('new TextDecoder().decode(new Uint8Array([0xff]))'), '\ufffd');
  assert.throws(() => s.run('new TextDecoder("utf-8", {fatal: true}).decode(new Uint8Array([0xff]))'), (e) => e.name === 'TypeError');
  assert.throws(() => s.run('new TextDecoder("latin1")'), (e) => e.name === 'RangeError');
  assert.equal(s.run('new TextDecoder().decode(new Uint8Array([0, 0x61, 0x62, 0]).subarray(1, 3))'), 'ab');
  assert.equal(s.run('new TextDecoder().decode(new Uint8Array([0x61, 0x62]).buffer)'), 'ab');
  // streaming across a split code point
  assert.equal(s.run(`(() => { const d = new TextDecoder(); const b = new TextEncoder().encode("x😀y");
    return d.decode(b.subarray(0, 3), {stream: true}) + d.decode(b.subarray(3, 4), {stream: true}) + d.decode(b.subarray(4)); })()`), 'x😀y');
});

test('structuredClone', () => {
  const s = makeSandbox();
  const r = s.run(`(() => {
    const o = {a: 1, d: new Date(5), r: /x/gi, m: new Map([[1, {z: 1}]]), s: new Set([1]), u8: new Uint8Array([1, 2]),
      ab: new ArrayBuffer(2), e: new RangeError("bad"), arr: [1, [2]], n: null, big: 1n};
    o.self = o; o.arr.push(o.arr);
    const c = structuredClone(o);
    return [c !== o, c.self === c, c.d instanceof Date && c.d.getTime() === 5, c.r.source === 'x' && c.r.flags === 'gi',
      c.m.get(1).z === 1 && c.m.get(1) !== o.m.get(1), c.s.has(1), c.u8[1] === 2 && c.u8 !== o.u8, c.ab.byteLength === 2,
      c.e instanceof RangeError && c.e.message === 'bad', c.arr[2] === c.arr, c.n === null, c.big === 1n];
  })()`);
  deq(r, Array(12).fill(true));
  assert.throws(() => s.run('structuredClone({f() {}})'), (e) => e.name === 'DataCloneError');
  assert.throws(() => s.run('structuredClone(Symbol("s"))'), (e) => e.name === 'DataCloneError');
  assert.equal(s.run('structuredClone(new (class A { constructor() { this.x = 1; } })()).constructor === Object'), true);
});

test('URL parsing matches Node', () => {
  const s = makeSandbox();
  const props = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash', 'origin'];
  const cases = [
    ['https://user:pa ss@Example.COM:443/a/./b/../c d?q=1 2&x=\'#frag ment'],
    ['http://example.com:8080'],
    ['HTTP://EXAMPLE.com/%7Efoo/'],
    ['http://a/b/c/d;p?q'],
    ['ws://h:80/'], ['wss://h:444/x'], ['ftp://h:21/f'],
    ['file:///etc/passwd'], ['file://localhost/x/y'], ['file:/x'],
    ['mailto:someone@example.com?subject=hi'],
    ['data:text/plain,hello world'],
    ['javascript:alert(1)'],
    ['foo://host/path/../x'], ['foo:/a/b'], ['urn:isbn:123'],
    ['http://[::1]:3000/'], ['http://[2001:DB8:0:0:1:0:0:1]/'], ['http://[::ffff:192.168.0.1]/'],
    ['http://0x7f.1/'], ['http://192.168.0.255/'], ['http://3232235777/'], ['http://0300.0250.1/'],
    ['http://example.com/ä?ä=ö#ü'],
    ['  http://trim.me/  '], ['http://a.com/\t\nb'],
    ['http:\\\\back\\slash\\path'],
    ['http://a/%2e%2E/b/.%2e/c'],
    ['../x', 'http://a/b/c/d'], ['./x', 'http://a/b/c/'], ['x', 'http://a/b/c'], ['/x', 'http://a/b/c'],
    ['//other.com/p', 'https://a/b'], ['?q', 'http://a/b?old#h'], ['#h2', 'http://a/b?q#h'], ['', 'http://a/b?q#h'],
    ['..', 'http://a/b/c/'], ['../../../../x', 'http://a/b/'], ['http:x', 'http://a/b/c'],
    ['x/y', 'file:///a/b'], ['#f', 'mailto:x@y'],
    ['https://a.com/p?x=1&y=2#z'],
    ['http://user@host/'], ['http://:pw@host/'],
    ['non-special://h:99/x'], ['http://h/😀?😀#😀'], ['http://h/a?b=%zz%41'], ['sc://ñ/x'], ['http://EXAMPLE.com./'], ['http://[1:0:0:2::3:0]/'],
  ];
  for (const [input, base] of cases) {
    let expected;
    try { expected = base === undefined ? new URL(input) : new URL(input, base); } catch { assert.fail(`Node rejects ${input}`); }
    const got = s.run(`(() => { const u = new URL(${JSON.stringify(input)}${base === undefined ? '' : ', ' + JSON.stringify(base)});
      return Object.fromEntries(${JSON.stringify(props)}.map((k) => [k, u[k]])); })()`);
    for (const k of props) assert.equal(got[k], expected[k], `${input} ${base ?? ''} .${k}`);
  }
  for (const bad of ['', 'no scheme', 'http://', 'http://a b/', 'http://a:99999/', 'http://[::1/', 'http://a:x/', 'https://%zz/', 'http://192.168.0.257/', 'http://1.2.3.4.5/', 'http://1.2.3.4.5.6/', 'http://a.b.1.2.3.4.5/', 'http://x.0x/']) {
    assert.throws(() => new URL(bad));
    assert.throws(() => s.run(`new URL(${JSON.stringify(bad)})`), (e) => e.name === 'TypeError' && e.message === 'Invalid URL' && e.code === 'ERR_INVALID_URL', bad);
  }
  assert.throws(() => s.run('new URL("x", "mailto:a")'), /Invalid URL/);
  assert.equal(s.run('URL.canParse("https://x")'), true);
  assert.equal(s.run('URL.canParse("nope")'), false);
  assert.equal(s.run('URL.canParse("/a", "https://x")'), true);
  assert.equal(s.run('URL.parse("nope")'), null);
  assert.equal(s.run('new URL("/p", new URL("https://b.com/q")).href'), 'https://b.com/p');
  assert.equal(s.run('String(new URL("https://a/b"))'), 'https://a/b');
  assert.equal(s.run('JSON.stringify({u: new URL("https://a/b")})'), '{"u":"https://a/b"}');
});

test('URL setters and live searchParams (same results as Node)', () => {
  const s = makeSandbox();
  const body = `
    const u = new URL('https://a.com/p?x=1#h');
    const out = [];
    u.searchParams.append('y', 'a b');
    out.push(u.href);
    u.search = '?z=3';
    out.push(u.searchParams.get('z'), u.searchParams.has('x'));
    u.pathname = '/new path/../q';
    u.hash = 'frag';
    u.port = '8443';
    out.push(u.href);
    u.port = '443';
    u.hostname = 'B.com';
    u.protocol = 'http';
    out.push(u.href);
    u.port = 8080;
    u.username = 'me'; u.password = 'p@ss';
    out.push(u.href);
    u.searchParams.delete('z');
    out.push(u.href, u.search);
    u.host = 'c.org:99';
    out.push(u.href);
    u.href = 'http://other/';
    out.push(u.searchParams.size, u.host);
    u.search = '?';
    out.push(u.href, u.search);
    u.search = '';
    u.hash = '';
    u.protocol = 'mailto';
    out.push(u.href);
    const m = new URL('mailto:a@b');
    m.pathname = 'x'; m.host = 'h';
    out.push(m.href);
    return out;`;
  deq(s.run(`(() => {${body}})()`), new Function(body)());
  assert.throws(() => s.run('new URL("https://a").href = "bad"'), /Invalid URL/);
});

test('URLSearchParams', () => {
  const s = makeSandbox();
  const same = (expr) => {
    const mine = s.run(`(() => { const p = ${expr}; return [p.toString(), [...p], p.size]; })()`);
    // eslint-disable-next-line no-eval
    const p = eval(expr);
    deq(mine, [p.toString(), [...p], p.size], expr);
  };
  same('new URLSearchParams("?a=1&b=2&a=3")');
  same('new URLSearchParams("q=a+b%20c&e=%E2%82%AC&bad=%zz&&=x&noval")');
  same('new URLSearchParams({x: 1, y: "two words", z: "ä&="})');
  same('new URLSearchParams([["a", "1"], ["b", "!\'()~*-._"]])');
  same('new URLSearchParams(new Map([["m", "v"]]))');
  same('new URLSearchParams(new URLSearchParams("c=3"))');
  same('new URLSearchParams()');
  same('(() => { const p = new URLSearchParams("b=2&a=1&b=1&a=0"); p.sort(); return p; })()');
  same('(() => { const p = new URLSearchParams("a=1&b=2&a=3"); p.set("a", "x"); return p; })()');
  same('(() => { const p = new URLSearchParams("a=1&b=2&a=3"); p.delete("a", "3"); return p; })()');
  const r = s.run(`(() => {
    const p = new URLSearchParams('a=1&a=2&b=3');
    const seen = [];
    p.forEach((v, k) => seen.push(k + v));
    return [p.get('a'), p.getAll('a'), p.get('nope'), p.has('b'), p.has('b', '4'), [...p.keys()], [...p.values()], seen];
  })()`);
  deq(r, ['1', ['1', '2'], null, true, false, ['a', 'a', 'b'], ['1', '2', '3'], ['a1', 'a2', 'b3']]);
  assert.throws(() => s.run('new URLSearchParams([["a"]])'), (e) => e.name === 'TypeError');
});

test('fs: sync and async success paths', async () => {
  const s = makeSandbox();
  s.run(`const fs = require('fs');
    fs.writeFileSync('/workspace/a.txt', 'héllo');
    fs.appendFileSync('/workspace/a.txt', ' 😀');
    fs.writeFileSync('/workspace/bin', new Uint8Array([0, 1, 255]));
    fs.writeFileSync('/workspace/view', new Uint8Array([9, 8, 7, 6]).subarray(1, 3));
    fs.writeFileSync('/workspace/num', 42);
    fs.writeFileSync('/workspace/b64', 'aGk=', 'base64');
    fs.mkdirSync('/workspace/d/e', {recursive: true});
    fs.writeFileSync('/workspace/d/e/f.txt', 'deep');`);
  assert.equal(s.run('fs.readFileSync("/workspace/a.txt")'), 'héllo 😀');
  assert.equal(s.run('fs.readFileSync("/workspace/a.txt", "utf8")'), 'héllo 😀');
  assert.equal(s.run('fs.readFileSync("/workspace/a.txt", {encoding: "utf-8"})'), 'héllo 😀');
  assert.equal(s.run('__airlock.inspect(fs.readFileSync("/workspace/bin", {encoding: null}))'), 'Uint8Array(3) [ 0, 1, 255 ]');
  assert.equal(s.run('fs.readFileSync("/workspace/bin", "buffer") instanceof Uint8Array'), true);
  assert.equal(s.run('fs.readFileSync("/workspace/bin", "base64")'), 'AAH/');
  assert.equal(s.run('fs.readFileSync("/workspace/bin", "hex")'), '0001ff');
  assert.equal(s.run('fs.readFileSync("/workspace/view", "hex")'), '0807');
  assert.equal(s.run('fs.readFileSync("/workspace/num")'), '42');
  assert.equal(s.run('fs.readFileSync("/workspace/b64")'), 'hi');
  assert.equal(s.run('fs.existsSync("/workspace/a.txt")'), true);
  assert.equal(s.run('fs.existsSync("/workspace/zzz")'), false);
  assert.equal(s.run('fs.existsSync(undefined)'), false);
  const st = s.run('(() => { const st = fs.statSync("/workspace/a.txt"); return [st.isFile(), st.isDirectory(), st.isSymbolicLink(), st.size, st.mode, st.mtime instanceof Date, st.mtimeMs]; })()');
  deq(st, [true, false, false, Buffer.byteLength('héllo 😀'), 0o644, true, 1700000000000]);
  deq(s.run('(() => { const st = fs.lstatSync("/workspace/d"); return [st.isDirectory(), st.mode]; })()'), [true, 0o755]);
  deq(s.run('fs.readdirSync("/workspace")'), ['a.txt', 'b64', 'bin', 'd', 'num', 'view']);
  deq(s.run('fs.readdirSync("/workspace", {withFileTypes: true}).map((d) => d.name + ":" + d.isDirectory() + d.isFile())'),
    ['a.txt:falsetrue', 'b64:falsetrue', 'bin:falsetrue', 'd:truefalse', 'num:falsetrue', 'view:falsetrue']);
  deq(s.run('fs.readdirSync("/workspace/d", {recursive: true})'), ['e', 'e/f.txt']);
  s.run('fs.renameSync("/workspace/num", "/workspace/num2"); fs.copyFileSync("/workspace/num2", "/workspace/num3"); fs.unlinkSync("/workspace/num2")');
  assert.equal(s.run('fs.readFileSync("/workspace/num3")'), '42');
  s.run('fs.rmSync("/workspace/d", {recursive: true}); fs.rmSync("/workspace/missing", {force: true}); fs.mkdirSync("/workspace/empty"); fs.rmdirSync("/workspace/empty")');
  assert.equal(s.run('fs.existsSync("/workspace/d") || fs.existsSync("/workspace/empty")'), false);
  s.run('fs.accessSync("/workspace/a.txt")');
  // relative paths are passed through for the host to resolve
  s.run('fs.writeFileSync("rel.txt", "r")');
  assert.equal(s.calls.at(-1).arg.path, 'rel.txt');

  // async API
  assert.equal(await s.run('require("node:fs/promises").readFile("/workspace/a.txt", "utf8")'), 'héllo 😀');
  assert.equal(s.run('require("fs").promises === require("fs")'), true);
  assert.equal(s.run('require("fs/promises") === require("node:fs")'), true);
  await s.run('fs.writeFile("/workspace/p.txt", "async")');
  assert.equal(await s.run('fs.readFile("/workspace/p.txt")'), 'async');
  assert.equal(await s.run('fs.exists("/workspace/p.txt")'), true);
  assert.equal((await s.run('fs.stat("/workspace/p.txt")')).size, 5);
  assert.ok((await s.run('fs.readdir("/workspace")')).includes('p.txt'));
  await s.run('fs.mkdir("/workspace/m"); fs.rm("/workspace/p.txt")');
  assert.equal(s.run('fs.existsSync("/workspace/m") && !fs.existsSync("/workspace/p.txt")'), true);
  // callback style
  const cb = await new Promise((resolve) => {
    s.context.done = resolve;
    s.run('fs.readFile("/workspace/a.txt", "utf8", (err, data) => done([err, data]))');
  });
  deq(cb, [null, 'héllo 😀']);
  const cbErr = await new Promise((resolve) => {
    s.context.done = resolve;
    s.run('fs.readFile("/workspace/nope", (err, data) => done([err.code, data]))');
  });
  deq(cbErr, ['ENOENT', undefined]);
});

test('fs: errors', async () => {
  const s = makeSandbox();
  s.run('globalThis.fs = require("fs")');
  const e = s.run('(() => { try { fs.readFileSync("/workspace/x"); } catch (e) { return e; } })()');
  assert.equal(e.message, "ENOENT: no such file or directory, open '/workspace/x'");
  assert.equal(e.code, 'ENOENT');
  assert.equal(e.errno, -2);
  assert.equal(e.syscall, 'open');
  assert.equal(e.path, '/workspace/x');
  assert.equal(s.run('(() => { try { fs.readFileSync("/workspace/x"); } catch (e) { return e instanceof Error; } })()'), true);
  const printed = s.run('(() => { try { fs.readFileSync("/workspace/x"); } catch (e) { return __airlock.formatError(e); } })()');
  assert.match(printed, /^Error: ENOENT: no such file or directory, open '\/workspace\/x'\n/);
  assert.match(printed, /\{"errno":-2,"code":"ENOENT","syscall":"open","path":"\/workspace\/x"\}$/);
  assert.ok(!printed.includes('airlock:prelude'));

  // async variants reject instead of throwing
  const p = s.run('fs.readFile("/workspace/x")');
  await assert.rejects(p, (err) => err.code === 'ENOENT');
  const p2 = s.run('fs.readFile(123)');
  await assert.rejects(p2, (err) => err.code === 'ERR_INVALID_ARG_TYPE' && err.name === 'TypeError' && /"path"/.test(err.message));
  await assert.rejects(s.run('fs.readFile("/a", "klingon")'), (err) => err.code === 'ERR_INVALID_ARG_VALUE');
  await assert.rejects(s.run('fs.rename("/workspace/x", undefined)'), (err) => /"newPath"/.test(err.message));

  assert.throws(() => s.run('fs.readFileSync()'), (err) => err.code === 'ERR_INVALID_ARG_TYPE' && /Received undefined/.test(err.message));
  assert.throws(() => s.run('fs.writeFileSync("/nodir/x", "a")'), (err) => err.code === 'ENOENT');
  assert.throws(() => s.run('fs.mkdirSync("/workspace")'), (err) => err.code === 'EEXIST');
  assert.throws(() => s.run('fs.readFileSync("a\\0b")'), (err) => err.code === 'ERR_INVALID_ARG_VALUE');
  s.run('fs.writeFileSync("/workspace/ro", "x")');
  s.readonly.add('/workspace/ro');
  assert.throws(() => s.run('fs.accessSync("/workspace/ro", fs.constants.W_OK)'), (err) => err.code === 'EACCES');
  assert.equal(s.run('fs.statSync("/workspace/ro").mode'), 0o444);
});

test('path: the same answers as Node\'s path.posix', () => {
  const s = makeSandbox();
  const cases = {
    normalize: [[''], ['.'], ['/'], ['//'], ['/a/b/../c/./d'], ['a//b/'], ['../a/../../b'], ['./'], ['a/..'], ['/..'], ['a/../..//']],
    join: [[], [''], ['a', 'b'], ['/a', '../b', 'c/'], ['a', '', 'b'], ['..', 'x'], ['/', '/x'], ['a', '/b'], ['.', '.']],
    resolve: [['/a/b', 'c'], ['/a/b', '/c', 'd'], ['/x', '..', '..', 'y'], ['/'], ['/a/', './b/']],
    dirname: [[''], ['/'], ['//'], ['/a'], ['/a/b'], ['/a/b/'], ['a'], ['a/b'], ['//a'], ['a//b//']],
    basename: [[''], ['/'], ['/a/b.js'], ['/a/b.js', '.js'], ['/a/b.js', 'b.js'], ['b.js', 'js'], ['/a/b/'], ['a', 'a'], ['.js', '.js'], ['x.tar.gz', '.gz']],
    extname: [[''], ['a'], ['a.js'], ['a.tar.gz'], ['.bashrc'], ['..'], ['a.'], ['/x.y/z'], ['.a.b'], ['a/b.c/']],
    relative: [['/a/b/c', '/a/d'], ['/a', '/a'], ['/a/b', '/a/b/c/d'], ['/', '/x'], ['/x/y', '/'], ['/data/orandea/test/aaa', '/data/orandea/impl/bbb']],
    isAbsolute: [[''], ['/a'], ['a'], ['./a']],
    parse: [[''], ['/'], ['/home/u/file.txt'], ['file.txt'], ['./f.txt'], ['a/b/'], ['.bashrc'], ['..'], ['/a.b/c.d.e']],
  };
  for (const [fn, list] of Object.entries(cases)) {
    for (const args of list) {
      const got = s.run(`require("path").${fn}(...${JSON.stringify(args)})`);
      deq(got, path.posix[fn](...args), `path.${fn}(${JSON.stringify(args).slice(1, -1)})`);
    }
  }
  for (const obj of [{ dir: '/home/u', base: 'f.txt' }, { root: '/', name: 'f', ext: '.txt' }, { name: 'f', ext: 'txt' }, { dir: 'a', name: 'b' }, { root: '/', dir: '/', base: 'x' }]) {
    assert.equal(s.run(`require("path").format(${JSON.stringify(obj)})`), path.posix.format(obj), JSON.stringify(obj));
  }
  // resolve() and relative paths start at the working directory.
  const resolved = s.run('require("path").resolve("x")');
  assert.ok(resolved.startsWith('/') && resolved.endsWith('/x'), resolved);
  assert.equal(s.run('require("node:path").sep + require("path/posix").delimiter'), '/:');
  assert.equal(s.run('require("path").posix === require("path")'), true);
  assert.throws(() => s.run('require("path").join("a", 1)'), (e) => e.code === 'ERR_INVALID_ARG_TYPE');
});

test('Buffer: the same answers as Node\'s', () => {
  const s = makeSandbox();
  const exprs = [
    `Buffer.from('héllo wörld 😀').toString('hex')`,
    `Buffer.from('héllo wörld 😀').toString('base64')`,
    `Buffer.from('héllo wörld 😀').toString('base64url')`,
    `Buffer.from('68c3a96c6c6f', 'hex').toString()`,
    `Buffer.from('68c3a96c6c6fzz00', 'hex').length`,
    `Buffer.from('aMOpbGxv', 'base64').toString('utf8')`,
    `Buffer.from('aMOp bGxv\\n', 'base64').toString()`,
    `Buffer.from('-_-_', 'base64url').toString('hex')`,
    `Buffer.from('-_-_', 'base64').toString('hex')`,
    `Buffer.from('héllo', 'latin1').toString('hex')`,
    `Buffer.from([104, 105, 300, -1]).toString('hex')`,
    `Buffer.from(new Uint8Array([1, 2, 3]).buffer, 1).toString('hex')`,
    `Buffer.from({ type: 'Buffer', data: [1, 2] }).toString('hex')`,
    `JSON.stringify(Buffer.from('ab'))`,
    `Buffer.byteLength('héllo 😀')`,
    `Buffer.byteLength('aGk=', 'base64')`,
    `Buffer.concat([Buffer.from('ab'), Buffer.from('cd'), new Uint8Array([101])]).toString()`,
    `Buffer.concat([Buffer.from('abc'), Buffer.from('def')], 4).toString()`,
    `Buffer.from('abcdef').slice(1, 3).toString()`,
    `(() => { const b = Buffer.from('abc'); b.slice(0, 1)[0] = 120; return b.toString(); })()`,
    `Buffer.from('abc').subarray(-2).toString()`,
    `Buffer.from('abc').equals(Buffer.from('abc'))`,
    `Buffer.from('abc').equals(Buffer.from('abd'))`,
    `[Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.from('b').compare(Buffer.from('a')), Buffer.from('ab').compare(Buffer.from('a'))]`,
    `Buffer.alloc(5, 'ab').toString()`,
    `Buffer.alloc(3).toString('hex')`,
    `Buffer.alloc(4, 255).toString('hex')`,
    `Buffer.isBuffer(Buffer.from('x'))`,
    `Buffer.isBuffer(new Uint8Array(1))`,
    `[Buffer.isEncoding('utf8'), Buffer.isEncoding('HEX'), Buffer.isEncoding('nope')]`,
    `Buffer.from('héllo').toString('utf8', 1, 3)`,
    `Buffer.from('abc').toString('ascii')`,
    `[Buffer.from('hello world').indexOf('o'), Buffer.from('hello world').indexOf('o', 5), Buffer.from('hello').indexOf(108), Buffer.from('hello').includes('ell'), Buffer.from('hello').indexOf('z')]`,
    `(() => { const b = Buffer.alloc(6); const n = b.write('héllo', 1); return [n, b.toString('hex')]; })()`,
    `Buffer.from('abc').map((x) => x + 1).toString()`,
    `Buffer.from('abc') instanceof Uint8Array`,
  ];
  for (const expr of exprs) {
    // eslint-disable-next-line no-eval
    const want = (0, eval)(expr);
    deq(s.run(expr), want, expr);
  }
  assert.equal(s.run('require("node:buffer").Buffer === Buffer'), true);
  assert.equal(s.run('__airlock.inspect(Buffer.from("hi"))'), '<Buffer 68 69>');
  assert.equal(s.run('__airlock.inspect(Buffer.alloc(52))'), `<Buffer ${Array(50).fill('00').join(' ')} ... 2 more bytes>`);
  assert.throws(() => s.run('Buffer.from("x", "nope")'), (e) => e.code === 'ERR_UNKNOWN_ENCODING');
  assert.throws(() => s.run('Buffer.concat([1])'), (e) => e.code === 'ERR_INVALID_ARG_TYPE');
});

test('crypto: createHash and subtle.digest give Node\'s digests', async () => {
  const s = makeSandbox();
  const exprs = [
    `require('crypto').createHash('sha256').update('héllo').digest('hex')`,
    `require('crypto').createHash('SHA256').update('a').update(Buffer.from('b')).update(new Uint8Array([99])).digest('base64')`,
    `require('crypto').createHash('md5').update('').digest('hex')`,
    `require('crypto').createHash('sha1').update('abc').digest('hex')`,
    `require('crypto').createHash('sha512').update('6869', 'hex').digest('base64url')`,
    `require('crypto').createHash('sha384').update('x').digest().toString('hex')`,
    `require('crypto').createHash('sha224').update('x').digest('hex')`,
    `(() => { const h = require('crypto').createHash('sha256').update('a'); const c = h.copy(); c.update('b'); return [h.digest('hex'), c.digest('hex')]; })()`,
    `require('crypto').randomBytes(8).length`,
    `typeof require('crypto').randomUUID()`,
    `require('crypto').createHmac('sha256', 'key').update('The quick brown fox').digest('hex')`,
    `require('crypto').createHmac('sha1', Buffer.from('k3y')).update('a').update('b').digest('base64')`,
    `require('crypto').createHmac('md5', '').update('x').digest('hex')`,
    `require('crypto').createHmac('sha512', 'k'.repeat(200)).update('long key').digest('hex')`,
    `require('crypto').createHmac('sha384', 'k'.repeat(64)).update('block-size key').digest('base64url')`,
  ];
  for (const expr of exprs) {
    const want = (0, eval)(expr.replaceAll("require('crypto')", 'nodeCrypto'));
    deq(s.run(expr), want, expr);
  }
  assert.throws(() => s.run('require("crypto").createHash("whirlpool")'), (e) => /Digest method not supported/.test(e.message));
  assert.throws(() => s.run('const h = require("crypto").createHash("md5"); h.digest(); h.digest()'), (e) => e.code === 'ERR_CRYPTO_HASH_FINALIZED');
  const digest = await s.run('crypto.subtle.digest("SHA-256", new TextEncoder().encode("abc")).then((ab) => Buffer.from(ab).toString("hex"))');
  assert.equal(digest, nodeCrypto.createHash('sha256').update('abc').digest('hex'));
  await assert.rejects(s.run('crypto.subtle.digest("MD5", new Uint8Array(1))'), (e) => e.name === 'NotSupportedError');
});

test('events and util: the same behaviour as Node\'s', async () => {
  const s = makeSandbox();
  const script = (events) => `(() => {
    const EventEmitter = ${events};
    const e = new EventEmitter();
    const seen = [];
    e.on('x', (a, b) => seen.push(['on', a, b]));
    e.prependListener('x', () => seen.push(['first']));
    e.once('x', () => seen.push(['once']));
    const r1 = e.emit('x', 1, 2);
    const r2 = e.emit('x', 3);
    const r3 = e.emit('nothing');
    const f = () => seen.push(['off']);
    e.on('y', f); e.off('y', f);
    let caught = null;
    try { e.emit('error', new Error('boom')); } catch (err) { caught = err.message; }
    class Sub extends EventEmitter {}
    const sub = new Sub();
    sub.on('z', function () { seen.push(['this', this === sub]); });
    sub.emit('z');
    return [seen, r1, r2, r3, e.listenerCount('x'), e.eventNames(), e.listenerCount('y'), caught, typeof EventEmitter.EventEmitter];
  })()`;
  deq(s.run(script('require("events")')), (0, eval)(script('nodeEvents')));
  const formats = [
    `util.format('%s is %d years and %i days, %f%%', 'Ada', 36.5, 7.9, 1.5)`,
    `util.format('a', 'b', 3)`,
    `util.format('%s %s', 'only')`,
    `util.format('%% %x', 1)`,
    `util.format(1, 2)`,
  ];
  for (const f of formats) deq(s.run(f.replace(/^util/, 'require("util")')), (0, eval)(f.replace(/^util/, 'nodeUtil')), f);
  const promised = await s.run(`(async () => {
    const util = require('node:util');
    const add = (a, b, cb) => cb(null, a + b);
    const fail = (cb) => cb(new Error('nope'));
    const sum = await util.promisify(add)(2, 3);
    let why = null;
    try { await util.promisify(fail)(); } catch (e) { why = e.message; }
    return [sum, why];
  })()`);
  deq(promised, [5, 'nope']);
});

test('require', () => {
  const s = makeSandbox();
  assert.throws(() => s.run('require("left-pad")'), (e) => e.message.startsWith("Cannot find module 'left-pad'") && e.code === 'MODULE_NOT_FOUND');
  assert.throws(() => s.run('require()'), (e) => e.code === 'MODULE_NOT_FOUND');
  assert.equal(s.run('require("node:url").fileURLToPath("file:///workspace/a%20b.txt")'), '/workspace/a b.txt');
  assert.equal(s.run('require("url").pathToFileURL("/tmp/x y").href'), 'file:///tmp/x%20y');
  assert.equal(s.run('typeof require("node:timers/promises").setTimeout'), 'function');
  assert.equal(s.run('require("process") === process'), true);
  assert.equal(s.run('typeof require("node:fs").readFileSync'), 'function');
});

test('reset clears per-run state', () => {
  const s = makeSandbox();
  s.run('setTimeout(() => {}, 10); console.count(); console.group()');
  s.take(1);
  s.airlock.failed = true;
  s.airlock.reset();
  assert.equal(s.airlock.timersNext(), -1);
  assert.equal(s.airlock.failed, false);
  s.run('console.count(); console.log("x")');
  assert.equal(s.take(1), 'default: 1\nx\n');
});

test('node: a run gets its own timers, console state, cwd and stdin, and gives them back', async () => {
  const s = makeSandbox();
  s.files.set('/tmp/d/in.txt', new TextEncoder().encode('in d'));
  s.run('setTimeout(() => console.log("outer timer"), 5); console.count()');
  s.take(1);
  const info = (stdin) => s.run(`({ id: 7, filename: '[eval]', prefix: 10, argv: ['node', 'a'], env: { X: '1' },
    cwd: '/tmp/d', stdin: ${stdin}, main: false, code: '' })`);
  const st = s.airlock.nodeEnter(info('new TextEncoder().encode("piped").buffer'));
  assert.equal(s.airlock.timersNext(), -1, 'the outer timer is not this run\'s');
  const fn = s.run(`(async (process, module, exports, __filename, __dirname) => {
    setTimeout(() => console.log('inner timer'), 1);
    console.count();
    return [process.argv, process.env.X, process.cwd(), __filename, __dirname,
      fs.readFileSync(0, 'utf8'), fs.readFileSync('/dev/stdin', 'utf8'), fs.readFileSync('in.txt', 'utf8')];
  })`);
  const p = s.airlock.nodeCall(fn, st);
  deq(await p, [['node', 'a'], '1', '/tmp/d', '[eval]', '.', 'piped', '', 'in d']);
  assert.equal(s.airlock.timersNext(), 1);
  s.clock.t += 1;
  s.airlock.timersRun();
  assert.equal(s.take(1), 'default: 1\ninner timer\n');
  assert.equal(s.airlock.timersNext(), -1);
  // A plain script has a `process` of its own, apart from the wrapper's parameter.
  deq(s.run('[process.argv.length, process.env, process.cwd(), typeof process.exit]'), [2, {}, '/workspace', 'function']);
  s.airlock.nodeLeave(st);
  assert.ok(s.airlock.timersNext() > 0, 'the outer timer is back');
  s.run('console.count()');
  assert.equal(s.take(1), 'default: 2\n');
  assert.equal(s.run('fs.existsSync("/dev/stdin")'), false);
});

test('node: exit status, exit listeners and stdin events', async () => {
  const s = makeSandbox();
  const enter = (stdin) => s.airlock.nodeEnter(s.run(`({ id: 3, filename: '/w/s.js', prefix: 0, argv: ['node', '/w/s.js'],
    env: {}, cwd: '/w', stdin: ${stdin}, main: true, code: '' })`));
  let st = enter('new TextEncoder().encode("a\\nb\\n").buffer');
  const fn = s.run(`(async (process, module) => {
    let text = '';
    process.stdin.on('data', (c) => { text += c; }).on('end', () => console.log(JSON.stringify(text), require.main === module));
    process.on('exit', (code) => console.log('exit', code));
    process.exitCode = 4;
  })`);
  await s.airlock.nodeCall(fn, st);
  s.airlock.timersRun();
  assert.equal(s.take(1), '"a\\nb\\n" true\n');
  assert.equal(s.airlock.nodeExit(st, undefined), 4);
  assert.equal(s.take(1), 'exit 4\n');
  s.airlock.nodeLeave(st);
  assert.equal(s.run('require.main'), undefined);

  st = enter('null');
  const quit = s.run('(async (process) => { process.exit(300); })');
  await assert.rejects(s.airlock.nodeCall(quit, st));
  deq(s.exits, [[3, 44]]);
  const read = s.run('(async () => fs.readFileSync(0))');
  await assert.rejects(s.airlock.nodeCall(read, st), /EAGAIN: standard input was not handed to this script/);
  s.airlock.nodeLeave(st);
});

// ---------------------------------------------------------------------------
let failed = 0;
for (const t of tests) {
  try {
    await t.fn();
    console.log(`ok   ${t.name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${t.name}\n${e && e.stack ? e.stack : e}`);
  }
}
console.log(`\n${tests.length - failed}/${tests.length} passed`);
process.exitCode = failed ? 1 : 0;
