// airlock prelude.
//
// Evaluated once, as a classic script named "airlock:prelude", when the guest
// initialises; the resulting heap is snapshotted and every run starts from it.
// It turns the raw native functions in `__airlock_host` into the small
// Node/web-like surface agents expect (console, timers, fs, URL, ...).
//
// Rules this file follows:
//  - ES2023 only, nothing Node-specific: it runs on quickjs-ng.
//  - Nothing here may throw on odd user input; formatting in particular
//    never crashes (Proxies, throwing getters, cycles, huge arrays).
//  - No state that must differ per run is computed here: `__airlock.reset()`
//    (called by the host before each run) re-initialises it, because anything
//    computed now is frozen into the snapshot.
(function () {
  'use strict';

  // ---------------------------------------------------------------------------
  // 0. Host capture and intrinsics
  // ---------------------------------------------------------------------------
  // Capture the native bridge in this closure and hide it from user code.
  const G = globalThis;
  const host = G.__airlock_host;
  try { delete G.__airlock_host; } catch { /* non-configurable: nothing to do */ }
  if (!host || typeof host.call !== 'function') throw new Error('airlock prelude: __airlock_host is missing');

  const PRELUDE_FILE = 'airlock:prelude';
  const ObjectProto = Object.prototype;
  const ArrayProto = Array.prototype;
  const getProto = Object.getPrototypeOf;
  const getOwnDesc = Object.getOwnPropertyDescriptor;
  const defProp = Object.defineProperty;
  const objectKeys = Object.keys;
  const ownSymbols = Object.getOwnPropertySymbols;
  const isArray = Array.isArray;
  const jsonStr = JSON.stringify;
  const uncurry = (f) => Function.prototype.call.bind(f);
  const getterOf = (proto, key) => uncurry(getOwnDesc(proto, key).get);
  const objToString = uncurry(ObjectProto.toString);
  const propIsEnum = uncurry(ObjectProto.propertyIsEnumerable);
  const fnToString = uncurry(Function.prototype.toString);
  const symToString = uncurry(Symbol.prototype.toString);
  const TypedArrayProto = getProto(Uint8Array.prototype);
  const taTag = getterOf(TypedArrayProto, Symbol.toStringTag); // undefined for non-typed-arrays, never throws
  const taLength = getterOf(TypedArrayProto, 'length');
  const mapSize = getterOf(Map.prototype, 'size');
  const setSize = getterOf(Set.prototype, 'size');
  const abByteLength = getterOf(ArrayBuffer.prototype, 'byteLength');
  const dvByteLength = getterOf(DataView.prototype, 'byteLength');
  const dvByteOffset = getterOf(DataView.prototype, 'byteOffset');
  const reSource = getterOf(RegExp.prototype, 'source');
  const reToString = uncurry(RegExp.prototype.toString);
  const dateGetTime = uncurry(Date.prototype.getTime);
  const dateToISO = uncurry(Date.prototype.toISOString);
  const mapEntries = uncurry(Map.prototype.entries);
  const setValues = uncurry(Set.prototype.values);
  const mapIterNext = uncurry(getProto(new Map().entries()).next);
  const setIterNext = uncurry(getProto(new Set().values()).next);
  const weakMapHas = uncurry(WeakMap.prototype.has);
  const weakSetHas = uncurry(WeakSet.prototype.has);
  const numValueOf = uncurry(Number.prototype.valueOf);
  const strValueOf = uncurry(String.prototype.valueOf);
  const boolValueOf = uncurry(Boolean.prototype.valueOf);
  const bigValueOf = uncurry(BigInt.prototype.valueOf);
  const symValueOf = uncurry(Symbol.prototype.valueOf);
  const promiseThen = uncurry(Promise.prototype.then);
  const ErrorIsError = typeof Error.isError === 'function' ? Error.isError : null;
  const DOMExceptionCtor = typeof G.DOMException === 'function' ? G.DOMException : null;
  const toWellFormed = String.prototype.toWellFormed ? uncurry(String.prototype.toWellFormed)
    : (s) => s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  const TYPED_CTORS = {};
  for (const n of ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
    'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
    if (typeof G[n] === 'function') TYPED_CTORS[n] = G[n];
  }

  const brand = (check, v) => { try { check(v); return true; } catch { return false; } };
  const safeGet = (o, k) => { try { return o[k]; } catch { return undefined; } };
  const safeString = (v) => { try { return String(v); } catch { return '[unprintable]'; } };
  const write = (fd, text) => { try { host.write(fd, text); } catch { /* output closed: drop */ } };
  const named = (name, fn) => { defProp(fn, 'name', { value: name, configurable: true }); return fn; };
  const defGlobal = (name, value) =>
    defProp(G, name, { value, writable: true, enumerable: false, configurable: true });
  const defGlobalIfMissing = (name, value) => { if (typeof G[name] === 'undefined') defGlobal(name, value); };
  // The running `node` command's working directory and standard input (sections 9 and 11); null
  // outside one.
  let fsCwd = null;
  let nodeStdin = null; // { data: ArrayBuffer | null (not handed over), taken: bool }
  const bytesOf = (ab) => new Uint8Array(ab);
  // Any BufferSource -> Uint8Array view over the same memory.
  const viewBytes = (v) => {
    if (brand(abByteLength, v)) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return null;
  };
  const domError = (name, message) => {
    if (DOMExceptionCtor) { try { return new DOMExceptionCtor(message, name); } catch { /* fall through */ } }
    const e = new Error(message);
    e.name = name;
    return e;
  };

  // ---------------------------------------------------------------------------
  // 1. inspect: compact JSON for data, Node-like for everything JSON can't say
  // ---------------------------------------------------------------------------
  const MAX_DEPTH = 20;
  const MAX_ITEMS = 100; // for Map/Set/typed arrays (already non-JSON, so Node-style truncation)
  const kCustomInspect = Symbol.for('nodejs.util.inspect.custom');
  // Modes: TOP = argument of console.log; JSONISH = inside an object/array; NODE = directly inside Map/Set.
  const TOP = 0, JSONISH = 1, NODE = 2;

  function inspect(value) {
    // Plain JSON data (API results, parsed files: the common case) prints exactly as
    // JSON.stringify prints it; checking for that is several times cheaper than formatting
    // value by value. Anything else, or a getter that throws, takes the general path.
    try {
      if (value !== null && typeof value === 'object' && isPlainData(value, 0)) return JSON.stringify(value);
    } catch { /* fall through */ }
    return fmt(value, 0, [], TOP);
  }

  const PLAIN_DEPTH = 20;
  function isPlainData(v, depth) {
    switch (typeof v) {
      case 'string': case 'boolean': return true;
      case 'number': return Number.isFinite(v) && !(v === 0 && 1 / v < 0);
      case 'object': break;
      default: return false;
    }
    if (v === null) return true;
    if (depth >= PLAIN_DEPTH) return false;  // deep or cyclic: the general path marks it
    const proto = Object.getPrototypeOf(v);
    if (Array.isArray(v)) {
      if (proto !== Array.prototype) return false;
      const n = v.length;
      if (Object.keys(v).length !== n) return false;  // holes or extra properties
      for (let i = 0; i < n; i++) if (!isPlainData(v[i], depth + 1)) return false;
      return true;
    }
    if ((proto !== Object.prototype && proto !== null) || typeof v.toJSON === 'function') return false;
    if (Object.getOwnPropertySymbols(v).length) return false;
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length; i++) if (!isPlainData(v[keys[i]], depth + 1)) return false;
    return true;
  }

  function fmtNumber(n) { return n === 0 && 1 / n < 0 ? '-0' : String(n); }

  // Node-style quoting (single quotes unless the string contains them).
  function nodeQuote(s) {
    const inner = jsonStr(s).slice(1, -1).replace(/\\"/g, '"');
    if (s.indexOf("'") === -1) return "'" + inner + "'";
    if (s.indexOf('"') === -1) return '"' + inner.replace(/"/g, '\\"') + '"';
    if (s.indexOf('`') === -1) return '`' + inner + '`';
    return "'" + inner.replace(/'/g, "\\'") + "'";
  }

  function fmtFunction(fn) {
    let name = '', src = '', kind = 'Function';
    try { const d = getOwnDesc(fn, 'name'); if (d && typeof d.value === 'string') name = d.value; } catch { /* proxy */ }
    try { src = fnToString(fn); } catch { /* proxy or exotic */ }
    if (/^class[\s{]/.test(src)) return name ? `[class ${name}]` : '[class (anonymous)]';
    try {
      const t = objToString(fn);
      if (t === '[object AsyncFunction]' || t === '[object GeneratorFunction]' || t === '[object AsyncGeneratorFunction]') kind = t.slice(8, -1);
    } catch { /* ignore */ }
    return name ? `[${kind}: ${name}]` : `[${kind} (anonymous)]`;
  }

  function fmt(v, depth, seen, mode) {
    switch (typeof v) {
      case 'string': return mode === NODE ? nodeQuote(v) : jsonStr(v);
      case 'number': return fmtNumber(v);
      case 'bigint': return String(v) + 'n';
      case 'boolean': return v ? 'true' : 'false';
      case 'undefined': return 'undefined';
      case 'symbol': try { return symToString(v); } catch { return 'Symbol()'; }
      case 'function': return fmtFunction(v);
    }
    if (v === null) return 'null';
    try {
      return fmtObject(v, depth, seen, mode);
    } catch (e) {
      let m = '';
      try { m = String(e && e.message); } catch { /* ignore */ }
      return `[Uninspectable object: ${m}]`;
    }
  }

  function className(v) {
    let p = getProto(v);
    for (let i = 0; p !== null && p !== ObjectProto && i < 100; i++) {
      const d = getOwnDesc(p, 'constructor');
      if (d && typeof d.value === 'function') {
        const nd = getOwnDesc(d.value, 'name');
        const n = nd && typeof nd.value === 'string' ? nd.value : '';
        if (n) return n === 'Object' ? '' : n;
      }
      p = getProto(p);
    }
    return '';
  }

  function isError(v) {
    if (v === null || typeof v !== 'object') return false;
    try { if (ErrorIsError && ErrorIsError(v)) return true; } catch { /* ignore */ }
    try { if (objToString(v) === '[object Error]') return true; } catch { /* ignore */ }
    try { return v instanceof Error; } catch { return false; }
  }

  function fmtObject(v, depth, seen, mode) {
    if (seen.indexOf(v) !== -1) return '[Circular]';
    if (depth > MAX_DEPTH) return isArray(v) ? '[Array]' : '[Object]';
    const custom = safeGet(v, kCustomInspect);
    seen.push(v);
    try {
      // Fast path for plain data (the common case): no brand checks needed.
      const proto = getProto(v);
      let tag = '';
      try { tag = objToString(v); } catch { /* proxy trap threw */ }
      if ((proto === ObjectProto || proto === null) && tag === '[object Object]' && custom === undefined &&
        safeGet(v, 'toJSON') === undefined) {
        return fmtPlain(v, depth, seen, '');
      }
      if (proto === ArrayProto && custom === undefined) return fmtArray(v, depth, seen);
      if (typeof custom === 'function') {
        const r = custom.call(v, MAX_DEPTH - depth, { depth: MAX_DEPTH - depth }, inspect);
        return typeof r === 'string' ? r : fmt(r, depth + 1, seen, mode);
      }
      if (isArray(v)) return fmtArray(v, depth, seen);
      const tt = taTag(v);
      if (tt !== undefined) return fmtTyped(v, tt);
      switch (tag) {
        case '[object Date]': if (brand(dateGetTime, v)) return fmtDate(v, mode); break;
        case '[object RegExp]': if (brand(reSource, v)) return reToString(v); break;
        case '[object Map]': if (brand(mapSize, v)) return fmtMap(v, depth, seen); break;
        case '[object Set]': if (brand(setSize, v)) return fmtSet(v, depth, seen); break;
        case '[object ArrayBuffer]': if (brand(abByteLength, v)) return `ArrayBuffer { byteLength: ${abByteLength(v)} }`; break;
        case '[object DataView]':
          if (brand(dvByteLength, v)) return `DataView { byteLength: ${dvByteLength(v)}, byteOffset: ${dvByteOffset(v)} }`;
          break;
        case '[object Promise]': if (v instanceof Promise) return 'Promise { <pending> }'; break;
        case '[object WeakMap]': if (brand((x) => weakMapHas(x, ObjectProto), v)) return 'WeakMap { <items unknown> }'; break;
        case '[object WeakSet]': if (brand((x) => weakSetHas(x, ObjectProto), v)) return 'WeakSet { <items unknown> }'; break;
        case '[object Number]': if (brand(numValueOf, v)) return `[Number: ${fmtNumber(numValueOf(v))}]`; break;
        case '[object String]': if (brand(strValueOf, v)) return `[String: ${jsonStr(strValueOf(v))}]`; break;
        case '[object Boolean]': if (brand(boolValueOf, v)) return `[Boolean: ${boolValueOf(v)}]`; break;
        case '[object BigInt]': if (brand(bigValueOf, v)) return `[BigInt: ${bigValueOf(v)}n]`; break;
        case '[object Symbol]': if (brand(symValueOf, v)) return `[Symbol: ${symToString(symValueOf(v))}]`; break;
        case '[object Arguments]': return '[Arguments] ' + fmtArray(v, depth, seen);
      }
      if (isError(v)) return depth === 0 && mode === TOP ? fmtErrorFull(v, seen) : '[' + errorHeader(v) + ']';
      const toJSON = safeGet(v, 'toJSON');
      if (typeof toJSON === 'function') {
        let r, ok = true;
        try { r = toJSON.call(v, ''); } catch { ok = false; }
        if (ok && r !== v) return fmt(r, depth + 1, seen, mode === NODE ? JSONISH : mode);
      }
      return fmtPlain(v, depth, seen, className(v));
    } finally {
      seen.pop();
    }
  }

  // Hot path for every property/element: numbers and strings inline, the rest via fmt.
  function fmtChild(x, depth, seen) {
    const t = typeof x;
    if (t === 'string') return jsonStr(x);
    if (t === 'number') return x === 0 && 1 / x < 0 ? '-0' : '' + x;
    return fmt(x, depth + 1, seen, JSONISH);
  }
  function fmtProp(o, k, depth, seen) {
    let x;
    try { x = o[k]; } catch { return '[Getter: threw]'; }
    return fmtChild(x, depth, seen);
  }

  function fmtPlain(v, depth, seen, prefix) {
    const keys = objectKeys(v);
    const parts = [];
    for (let i = 0; i < keys.length; i++) parts.push(jsonStr(keys[i]) + ':' + fmtProp(v, keys[i], depth, seen));
    const syms = ownSymbols(v);
    for (let i = 0; i < syms.length; i++) {
      if (propIsEnum(v, syms[i])) parts.push('[' + symToString(syms[i]) + ']:' + fmtProp(v, syms[i], depth, seen));
    }
    const body = '{' + parts.join(',') + '}';
    return prefix ? prefix + ' ' + body : body;
  }

  const emptyItems = (n) => `<${n} empty item${n === 1 ? '' : 's'}>`;

  function fmtArray(a, depth, seen) {
    const len = Math.min(Number(a.length) || 0, 2 ** 32 - 1);
    const parts = [];
    let holes = 0;
    for (let i = 0; i < len; i++) {
      let x;
      try { x = a[i]; } catch { parts.push('[Getter: threw]'); continue; }
      if (x === undefined && !(i in a)) {
        // A long run of holes (`new Array(1e9)`): continue from the real keys instead.
        if (++holes > 10000) { sparseTail(a, i - holes + 1, len, parts, depth, seen); holes = 0; break; }
        continue;
      }
      if (holes) { parts.push(emptyItems(holes)); holes = 0; }
      parts.push(fmtChild(x, depth, seen));
    }
    if (holes) parts.push(emptyItems(holes));
    return '[' + parts.join(',') + ']';
  }
  function sparseTail(a, next, len, parts, depth, seen) {
    const keys = objectKeys(a);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (!/^(?:0|[1-9]\d*)$/.test(k) || +k < next || +k >= len) continue;
      if (+k > next) parts.push(emptyItems(+k - next));
      parts.push(fmtProp(a, k, depth, seen));
      next = +k + 1;
    }
    if (next < len) parts.push(emptyItems(len - next));
  }

  const moreItems = (n) => `... ${n} more item${n === 1 ? '' : 's'}`;

  function fmtTyped(v, name) {
    const n = taLength(v);
    if (n === 0) return `${name}(0) []`;
    const shown = Math.min(n, MAX_ITEMS);
    const parts = [];
    for (let i = 0; i < shown; i++) {
      const x = v[i];
      parts.push(typeof x === 'bigint' ? x + 'n' : fmtNumber(x));
    }
    if (n > shown) parts.push(moreItems(n - shown));
    return `${name}(${n}) [ ${parts.join(', ')} ]`;
  }

  function fmtDate(v, mode) {
    const t = dateGetTime(v);
    if (t !== t) return 'Invalid Date';
    const iso = dateToISO(v);
    return mode === JSONISH ? jsonStr(iso) : iso;
  }

  function fmtMap(v, depth, seen) {
    const n = mapSize(v);
    if (n === 0) return 'Map(0) {}';
    const parts = [];
    const it = mapEntries(v);
    for (let i = 0; ; i++) {
      const r = mapIterNext(it);
      if (r.done) break;
      if (i >= MAX_ITEMS) { parts.push(moreItems(n - MAX_ITEMS)); break; }
      parts.push(fmt(r.value[0], depth + 1, seen, NODE) + ' => ' + fmt(r.value[1], depth + 1, seen, NODE));
    }
    return `Map(${n}) { ${parts.join(', ')} }`;
  }

  function fmtSet(v, depth, seen) {
    const n = setSize(v);
    if (n === 0) return 'Set(0) {}';
    const parts = [];
    const it = setValues(v);
    for (let i = 0; ; i++) {
      const r = setIterNext(it);
      if (r.done) break;
      if (i >= MAX_ITEMS) { parts.push(moreItems(n - MAX_ITEMS)); break; }
      parts.push(fmt(r.value, depth + 1, seen, NODE));
    }
    return `Set(${n}) { ${parts.join(', ')} }`;
  }

  // --- Errors -----------------------------------------------------------------

  function errorHeader(e) {
    let name = safeGet(e, 'name');
    const msg = safeGet(e, 'message');
    name = name === undefined ? 'Error' : safeString(name);
    // `class MyError extends Error {}` keeps name "Error"; show the class like Node does.
    if (name === 'Error') { try { const cn = className(e); if (cn) name = cn; } catch { /* ignore */ } }
    const m = msg === undefined ? '' : safeString(msg);
    if (!name) return m;
    return m ? name + ': ' + m : name;
  }

  // Stack frames, robust to both QuickJS (frames only) and V8 (header + frames)
  // formats; frames inside this prelude are implementation noise and dropped.
  function stackFrames(e) {
    const st = safeGet(e, 'stack');
    if (typeof st !== 'string' || st === '') return [];
    const lines = st.split('\n').map((l) => l.trim());
    const start = lines.findIndex((l) => /^at\s/.test(l));
    if (start === -1) return [];
    let frames = lines.slice(start).filter((l) => l !== '');
    // A `node` run's script is called from the prelude (nodeCall) or runs inside the shell()
    // call of the script that started it (runShell): the frames below are not its own.
    if (nodeStdin !== null) {
      const cut = frames.findIndex((l) => /^at (nodeCall|runShell) \(airlock:prelude:/.test(l));
      if (cut !== -1) frames = frames.slice(0, cut);
    }
    const ours = (i) => i >= 0 && i < frames.length &&
      (frames[i].indexOf(PRELUDE_FILE) !== -1 || frames[i].startsWith('at <eval> ('));
    // Also drop native frames next to ours (`apply (native)`, `Promise (native)`).
    return frames.filter((l, i) => !ours(i) && !(l.endsWith('(native)') && (ours(i - 1) || ours(i + 1))))
      .map((l) => '    ' + userColumns(l));
  }

  // The user's code runs inside a wrapper whose prefix shares their first line (so line numbers
  // stay theirs); positions on that line are shifted back by the prefix length. A frame
  // `at <eval> (...)` is the wrapper's own call and is dropped above.
  let scriptName = '';
  let prefixLen = 0;
  function userColumns(line) {
    if (!scriptName || !prefixLen) return line;
    const needle = scriptName + ':1:';
    const at = line.indexOf(needle);
    if (at === -1) return line;
    const rest = line.slice(at + needle.length);
    const digits = /^\d+/.exec(rest);
    if (!digits) return line;
    const col = Math.max(1, Number(digits[0]) - prefixLen);
    return line.slice(0, at + needle.length) + col + rest.slice(digits[0].length);
  }

  function fmtErrorFull(e, seen, level = 0) {
    let s = errorHeader(e);
    const frames = stackFrames(e);
    if (frames.length) s += '\n' + frames.join('\n');
    let keys = [];
    try { keys = objectKeys(e).filter((k) => k !== 'stack' && k !== 'message' && k !== 'cause' && k !== 'name'); } catch { /* proxy */ }
    if (seen.indexOf(e) === -1) seen = seen.concat([e]);
    if (keys.length) s += ' {' + keys.map((k) => jsonStr(k) + ':' + fmtProp(e, k, 1, seen)).join(',') + '}';
    let causeDesc;
    try { causeDesc = getOwnDesc(e, 'cause'); } catch { /* proxy */ }
    if (causeDesc) {
      const cause = safeGet(e, 'cause');
      const text = isError(cause) && level < 5 && seen.indexOf(cause) === -1
        ? fmtErrorFull(cause, seen.concat([e]), level + 1) : fmt(cause, 1, seen, JSONISH);
      s += '\n  [cause]: ' + text.split('\n').join('\n  ');
    }
    const errors = safeGet(e, 'errors');
    if (isArray(errors) && typeof AggregateError === 'function' && e instanceof AggregateError) {
      s += '\n  [errors]: ' + fmt(errors, 1, seen, JSONISH);
    }
    return s;
  }

  // Uncaught-error text: Errors as their (user-frame) stack, other values Node-like.
  function formatError(err) {
    try {
      if (isError(err)) return fmtErrorFull(err, []);
      return 'Uncaught ' + (typeof err === 'string' ? nodeQuote(err) : inspect(err));
    } catch {
      return 'Uncaught exception (unprintable)';
    }
  }

  // ---------------------------------------------------------------------------
  // 2. console
  // ---------------------------------------------------------------------------
  function fmtSpecArg(c, x) {
    switch (c) {
      case 's':
        if (typeof x === 'string') return x;
        if (typeof x === 'bigint') return x + 'n';
        if (typeof x === 'symbol') return symToString(x);
        if (typeof x === 'number') return fmtNumber(x);
        return inspect(x);
      case 'd':
        if (typeof x === 'bigint') return x + 'n';
        if (typeof x === 'symbol' || (x !== null && typeof x === 'object')) return 'NaN';
        try { return fmtNumber(Number(x)); } catch { return 'NaN'; }
      case 'i':
        if (typeof x === 'bigint') return x + 'n';
        if (typeof x === 'symbol') return 'NaN';
        try { return fmtNumber(parseInt(x, 10)); } catch { return 'NaN'; }
      case 'f':
        if (typeof x === 'symbol') return 'NaN';
        try { return fmtNumber(parseFloat(x)); } catch { return 'NaN'; }
      case 'j':
        try { const j = jsonStr(x); return j === undefined ? 'undefined' : j; } catch (e) {
          return /circular|cyclic/i.test(safeString(e && e.message)) ? '[Circular]' : '[Unserializable]';
        }
      case 'o': case 'O': return inspect(x);
      case 'c': return '';
    }
    return undefined;
  }

  // console.log's argument formatting (Node's util.format, compact-JSON values).
  function formatArgs(args) {
    let i = 0, out = '';
    const first = args[0];
    if (typeof first === 'string') {
      i = 1;
      if (args.length > 1 && first.indexOf('%') !== -1) {
        let last = 0;
        for (let j = 0; j < first.length - 1; j++) {
          if (first.charCodeAt(j) !== 37) continue;
          const c = first[j + 1];
          if (c === '%') { out += first.slice(last, j) + '%'; last = j + 2; j++; continue; }
          if (i >= args.length || 'sdifjoOc'.indexOf(c) === -1) continue;
          out += first.slice(last, j) + fmtSpecArg(c, args[i++]);
          last = j + 2;
          j++;
        }
        out += first.slice(last);
      } else {
        out = first;
      }
    }
    for (; i < args.length; i++) {
      const a = args[i];
      if (out !== '' || i > 0) out += ' ';
      out += typeof a === 'string' ? a : inspect(a);
    }
    return out;
  }

  let groupIndent = '';
  let counts = new Map();
  let timeLabels = new Map();
  function emit(fd, text) {
    if (groupIndent) text = groupIndent + text.split('\n').join('\n' + groupIndent);
    write(fd, text + '\n');
  }
  const labelOf = (l) => (l === undefined ? 'default' : safeString(l));
  const elapsed = (label) => {
    const ms = host.monotonic() - timeLabels.get(label);
    return ms >= 1000 ? (ms / 1000).toFixed(3) + 's' : ms.toFixed(3) + 'ms';
  };

  // Plain closures (not methods) so `const log = console.log; log(1)` works.
  const console = {
    log: (...a) => emit(1, formatArgs(a)),
    info: (...a) => emit(1, formatArgs(a)),
    debug: (...a) => emit(1, formatArgs(a)),
    warn: (...a) => emit(2, formatArgs(a)),
    error: (...a) => emit(2, formatArgs(a)),
    trace: (...a) => {
      const frames = stackFrames(new Error());
      emit(2, 'Trace' + (a.length ? ': ' + formatArgs(a) : '') + (frames.length ? '\n' + frames.join('\n') : ''));
    },
    dir: (v) => emit(1, inspect(v)),
    dirxml: (...a) => emit(1, formatArgs(a)),
    table: (...a) => emit(1, formatArgs(a.slice(0, 1))), // no tables: compact JSON parses better anyway
    assert: (cond, ...a) => {
      if (cond) return;
      if (a.length === 0) emit(2, 'Assertion failed');
      else if (typeof a[0] === 'string') emit(2, 'Assertion failed: ' + formatArgs(a));
      else emit(2, 'Assertion failed ' + formatArgs(a));
    },
    count: (label) => {
      const l = labelOf(label);
      const n = (counts.get(l) || 0) + 1;
      counts.set(l, n);
      emit(1, `${l}: ${n}`);
    },
    countReset: (label) => { counts.delete(labelOf(label)); },
    time: (label) => {
      const l = labelOf(label);
      if (timeLabels.has(l)) emit(2, `Warning: Label '${l}' already exists for console.time()`);
      else timeLabels.set(l, host.monotonic());
    },
    timeLog: (label, ...a) => {
      const l = labelOf(label);
      if (!timeLabels.has(l)) return emit(2, `Warning: No such label '${l}' for console.timeLog()`);
      emit(1, `${l}: ${elapsed(l)}` + (a.length ? ' ' + formatArgs(a) : ''));
    },
    timeEnd: (label) => {
      const l = labelOf(label);
      if (!timeLabels.has(l)) return emit(2, `Warning: No such label '${l}' for console.timeEnd()`);
      emit(1, `${l}: ${elapsed(l)}`);
      timeLabels.delete(l);
    },
    group: (...a) => { if (a.length) emit(1, formatArgs(a)); groupIndent += '  '; },
    groupCollapsed: (...a) => { if (a.length) emit(1, formatArgs(a)); groupIndent += '  '; },
    groupEnd: () => { groupIndent = groupIndent.slice(0, -2); },
    clear: () => {},
  };
  defGlobal('console', console);

  // ---------------------------------------------------------------------------
  // 3. Timers (driven by the host event loop via __airlock.timersNext/timersRun)
  // ---------------------------------------------------------------------------
  // Binary min-heap of nodes {due, seq, t}; a node is stale once its timer was
  // cleared or rescheduled (t.node !== node), which makes clear* O(1).
  // The timers of one run form a scope; a `node` run from the shell gets its own (nodeEnter),
  // so its event loop waits only for its own timers and what it leaves behind ends with it.
  // A timer record keeps its scope, so clearing it works from anywhere.
  const newTimerScope = () => ({ heap: [], timers: new Map(), refCount: 0, error: false });
  let T = newTimerScope();
  let nextTimerId = 1, timerSeq = 0;
  const before = (a, b) => a.due < b.due || (a.due === b.due && a.seq < b.seq);
  function heapPush(heap, n) {
    let i = heap.push(n) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  }
  function heapPop(heap) {
    const top = heap[0], last = heap.pop();
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  }
  const live = (n) => n.t.node === n;
  function schedule(t, delay) {
    t.node = { due: host.monotonic() + delay, seq: timerSeq++, t };
    heapPush(t.scope.heap, t.node);
  }
  function unschedule(t) {
    const s = t.scope;
    if (!s.timers.has(t.id)) return;
    s.timers.delete(t.id);
    t.node = null;
    if (t.ref) s.refCount--;
  }
  const clampDelay = (ms) => {
    const d = Number(ms);
    return d >= 1 && d <= 2147483647 ? d : 1; // Node: out-of-range and < 1 become 1 ms
  };

  // Node-compatible handle objects (`t.unref()` is common in Node code);
  // Symbol.toPrimitive makes them usable as numeric ids too.
  const kTimer = Symbol('timer');
  class Timeout {
    constructor(t) { defProp(this, kTimer, { value: t }); }
    ref() { const t = this[kTimer]; if (!t.ref && t.scope.timers.has(t.id)) t.scope.refCount++; t.ref = true; return this; }
    unref() { const t = this[kTimer]; if (t.ref && t.scope.timers.has(t.id)) t.scope.refCount--; t.ref = false; return this; }
    hasRef() { return this[kTimer].ref; }
    refresh() { const t = this[kTimer]; if (t.scope.timers.has(t.id)) schedule(t, t.delay); return this; }
    close() { unschedule(this[kTimer]); return this; }
    [Symbol.toPrimitive]() { return this[kTimer].id; }
  }
  class Immediate extends Timeout {}

  function addTimer(Kind, fn, delay, repeat, args) {
    if (typeof fn !== 'function') {
      const e = new TypeError(`The "callback" argument must be of type function. Received ${describeArg(fn)}`);
      e.code = 'ERR_INVALID_ARG_TYPE';
      throw e;
    }
    const t = { id: nextTimerId++, fn, args, delay, repeat, ref: true, node: null, handle: null, scope: T };
    t.handle = new Kind(t);
    T.timers.set(t.id, t);
    T.refCount++;
    schedule(t, delay);
    return t.handle;
  }
  function clearTimer(h) {
    if (h !== null && typeof h === 'object') { const t = safeGet(h, kTimer); if (t) unschedule(t); return; }
    const t = T.timers.get(typeof h === 'number' ? h : Number(h));
    if (t) unschedule(t);
  }

  defGlobal('setTimeout', function setTimeout(fn, ms, ...args) { return addTimer(Timeout, fn, clampDelay(ms), false, args); });
  defGlobal('setInterval', function setInterval(fn, ms, ...args) { return addTimer(Timeout, fn, clampDelay(ms), true, args); });
  defGlobal('setImmediate', function setImmediate(fn, ...args) { return addTimer(Immediate, fn, 0, false, args); });
  defGlobal('clearTimeout', function clearTimeout(h) { clearTimer(h); });
  defGlobal('clearInterval', function clearInterval(h) { clearTimer(h); });
  defGlobal('clearImmediate', function clearImmediate(h) { clearTimer(h); });
  defGlobalIfMissing('queueMicrotask', function queueMicrotask(cb) {
    if (typeof cb !== 'function') throw new TypeError('The "callback" argument must be of type function');
    promiseThen(Promise.resolve(), () => cb());
  });

  function timersNext() {
    const heap = T.heap;
    if (T.error) return -1;
    while (heap.length && !live(heap[0])) heapPop(heap);
    if (!heap.length || T.refCount <= 0) return -1;
    const d = heap[0].due - host.monotonic();
    return d > 0 ? d : 0;
  }

  // Runs every timer that was due when called, in (due, insertion) order.
  // Timers created or rescheduled during this call wait for the next call,
  // so a 0 ms interval can't spin forever inside one call.
  function timersRun() {
    const heap = T.heap;
    if (T.error) return 0;
    const now = host.monotonic();
    const seqLimit = timerSeq;
    let ran = 0;
    while (heap.length) {
      const n = heap[0];
      if (!live(n)) { heapPop(heap); continue; }
      if (n.due > now || n.seq >= seqLimit) break;
      heapPop(heap);
      const t = n.t;
      if (t.repeat) schedule(t, t.delay); // rescheduled up front; clearInterval in the callback still works
      else unschedule(t);
      ran++;
      try {
        t.fn.apply(t.handle, t.args);
      } catch (e) {
        // Like Node: an exception escaping a timer is fatal to the run.
        write(2, formatError(e) + '\n');
        airlock.failed = true;
        T.error = true;
        break;
      }
    }
    return ran;
  }

  // ---------------------------------------------------------------------------
  // 4. Base64 / hex helpers, atob / btoa
  // ---------------------------------------------------------------------------
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const B64_LOOKUP = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) B64_LOOKUP[B64.charCodeAt(i)] = i;
  B64_LOOKUP[45] = 62; B64_LOOKUP[95] = 63; // base64url '-' '_' (lenient decoding)

  function bytesToBase64(b, url) {
    const parts = [];
    let chunk = '';
    const n = b.length;
    for (let i = 0; i < n; i += 3) {
      const x = (b[i] << 16) | ((i + 1 < n ? b[i + 1] : 0) << 8) | (i + 2 < n ? b[i + 2] : 0);
      chunk += B64[(x >> 18) & 63] + B64[(x >> 12) & 63] +
        (i + 1 < n ? B64[(x >> 6) & 63] : '=') + (i + 2 < n ? B64[x & 63] : '=');
      if (chunk.length >= 8192) { parts.push(chunk); chunk = ''; }
    }
    parts.push(chunk);
    const s = parts.join('');
    return url ? s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : s;
  }
  // Lenient decoder (Node Buffer semantics): skips anything that isn't base64.
  function base64ToBytes(s) {
    const out = new Uint8Array(Math.ceil(s.length * 3 / 4));
    let acc = 0, bits = 0, j = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 61) break; // '='
      const v = c < 128 ? B64_LOOKUP[c] : -1;
      if (v < 0) continue;
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) { bits -= 8; out[j++] = (acc >> bits) & 255; }
    }
    return out.subarray(0, j);
  }
  function latin1FromBytes(b, mask = 255) {
    let s = '';
    for (let i = 0; i < b.length; i += 8192) {
      const sub = b.subarray(i, i + 8192);
      s += String.fromCharCode.apply(null, mask === 255 ? sub : Array.from(sub, (x) => x & mask));
    }
    return s;
  }
  const HEX = [];
  for (let i = 0; i < 256; i++) HEX.push((i < 16 ? '0' : '') + i.toString(16));
  const bytesToHex = (b) => { let s = ''; for (let i = 0; i < b.length; i++) s += HEX[b[i]]; return s; };
  function hexToBytes(s) {
    const out = new Uint8Array(s.length >> 1);
    let j = 0;
    for (; j < out.length; j++) {
      const pair = s.substr(j * 2, 2);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) break; // Node stops at the first bad pair
      out[j] = parseInt(pair, 16);
    }
    return out.subarray(0, j);
  }

  defGlobalIfMissing('btoa', function btoa(data) {
    if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
    const s = String(data);
    const b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) throw domError('InvalidCharacterError', 'Invalid character');
      b[i] = c;
    }
    return bytesToBase64(b, false);
  });
  defGlobalIfMissing('atob', function atob(data) {
    if (arguments.length === 0) throw new TypeError('The "data" argument must be specified');
    let s = String(data).replace(/[\t\n\f\r ]/g, '');
    if (s.length % 4 === 0) s = s.replace(/={1,2}$/, '');
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) {
      throw domError('InvalidCharacterError', 'The string to be decoded is not correctly encoded.');
    }
    return latin1FromBytes(base64ToBytes(s));
  });

  // ---------------------------------------------------------------------------
  // 5. TextEncoder / TextDecoder (UTF-8 only, over the native codec)
  // ---------------------------------------------------------------------------
  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') { return bytesOf(host.utf8Encode(toWellFormed(String(input)))); }
    encodeInto(src, dest) {
      if (taTag(dest) !== 'Uint8Array') throw new TypeError('The "dest" argument must be an instance of Uint8Array');
      const s = toWellFormed(String(src));
      const bytes = bytesOf(host.utf8Encode(s));
      if (bytes.length <= dest.length) { dest.set(bytes); return { read: s.length, written: bytes.length }; }
      let read = 0, written = 0; // only whole code points fit
      while (read < s.length) {
        const cp = s.codePointAt(read);
        const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (written + n > dest.length) break;
        written += n;
        read += cp >= 0x10000 ? 2 : 1;
      }
      dest.set(bytes.subarray(0, written));
      return { read, written };
    }
  }
  const UTF8_LABELS = ['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8'];
  // Bytes at the end of `b` that start an incomplete UTF-8 sequence (for streaming).
  function incompleteTail(b) {
    for (let i = 1; i <= 3 && i <= b.length; i++) {
      const x = b[b.length - i];
      if ((x & 0xc0) === 0x80) continue;
      if (x < 0xc0) return 0;
      const need = x >= 0xf0 ? 4 : x >= 0xe0 ? 3 : 2;
      return need > i ? i : 0;
    }
    return 0;
  }
  class TextDecoder {
    #fatal; #ignoreBOM; #pending = null; #started = false;
    constructor(label = 'utf-8', options = undefined) {
      const l = String(label).trim().toLowerCase();
      if (UTF8_LABELS.indexOf(l) === -1) throw new RangeError(`The "${l}" encoding is not supported`);
      this.#fatal = !!(options && options.fatal);
      this.#ignoreBOM = !!(options && options.ignoreBOM);
    }
    get encoding() { return 'utf-8'; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input = undefined, options = undefined) {
      const stream = !!(options && options.stream);
      let bytes = input === undefined || input === null ? new Uint8Array(0) : viewBytes(input);
      if (!bytes) throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView');
      if (this.#pending) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending);
        joined.set(bytes, this.#pending.length);
        bytes = joined;
        this.#pending = null;
      }
      if (stream) {
        const cut = incompleteTail(bytes);
        if (cut) { this.#pending = bytes.slice(bytes.length - cut); bytes = bytes.subarray(0, bytes.length - cut); }
      }
      let s = bytes.length ? host.utf8Decode(bytes, this.#fatal) : '';
      if (!this.#ignoreBOM && !this.#started && s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      this.#started = stream && (this.#started || s.length > 0);
      return s;
    }
  }
  defProp(TextEncoder.prototype, Symbol.toStringTag, { value: 'TextEncoder', configurable: true });
  defProp(TextDecoder.prototype, Symbol.toStringTag, { value: 'TextDecoder', configurable: true });
  defGlobalIfMissing('TextEncoder', TextEncoder);
  defGlobalIfMissing('TextDecoder', TextDecoder);

  // ---------------------------------------------------------------------------
  // 6. structuredClone
  // ---------------------------------------------------------------------------
  const ERROR_CTORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  function structuredClonePolyfill(value) {
    const memo = new Map();
    const fail = (what) => domError('DataCloneError', `${what} could not be cloned.`);
    const clone = (v) => {
      if (typeof v === 'symbol') throw fail(symToString(v));
      if (typeof v === 'function') throw fail(fmtFunction(v));
      if (v === null || typeof v !== 'object') return v;
      if (memo.has(v)) return memo.get(v);
      let out;
      const set = (o) => { memo.set(v, o); return o; };
      if (isArray(v)) {
        out = set(new Array(v.length));
        for (const k of objectKeys(v)) out[k] = clone(v[k]);
        return out;
      }
      const tt = taTag(v);
      if (tt !== undefined) return set(new TYPED_CTORS[tt](clone(v.buffer), v.byteOffset, taLength(v)));
      const tag = objToString(v);
      if (tag === '[object Date]' && brand(dateGetTime, v)) return set(new Date(dateGetTime(v)));
      if (tag === '[object RegExp]' && brand(reSource, v)) return set(new RegExp(reSource(v), v.flags));
      if (brand(abByteLength, v)) return set(ArrayBuffer.prototype.slice.call(v, 0));
      if (brand(dvByteLength, v)) return set(new DataView(clone(v.buffer), dvByteOffset(v), dvByteLength(v)));
      if (brand(mapSize, v)) {
        out = set(new Map());
        for (const [k, x] of mapEntries(v)) out.set(clone(k), clone(x));
        return out;
      }
      if (brand(setSize, v)) {
        out = set(new Set());
        for (const x of setValues(v)) out.add(clone(x));
        return out;
      }
      if (isError(v)) {
        const name = safeString(safeGet(v, 'name'));
        out = set(new (ERROR_CTORS[name] || Error)(safeString(safeGet(v, 'message') ?? '')));
        const st = safeGet(v, 'stack');
        if (typeof st === 'string') defProp(out, 'stack', { value: st, writable: true, configurable: true });
        if (getOwnDesc(v, 'cause')) out.cause = clone(v.cause);
        return out;
      }
      if (brand(numValueOf, v)) return set(Object(numValueOf(v)));
      if (brand(strValueOf, v)) return set(Object(strValueOf(v)));
      if (brand(boolValueOf, v)) return set(Object(boolValueOf(v)));
      if (brand(bigValueOf, v)) return set(Object(bigValueOf(v)));
      if (v instanceof Promise || tag === '[object WeakMap]' || tag === '[object WeakSet]' ||
        tag === '[object WeakRef]' || tag === '[object Symbol]') {
        throw fail(`#<${tag.slice(8, -1)}>`);
      }
      out = set({});
      for (const k of objectKeys(v)) out[k] = clone(v[k]);
      return out;
    };
    return clone(value);
  }
  defGlobalIfMissing('structuredClone', function structuredClone(value, options = undefined) {
    return structuredClonePolyfill(value, options);
  });

  // ---------------------------------------------------------------------------
  // 7. URL / URLSearchParams (WHATWG subset: no IDNA/punycode, no Windows drive letters)
  // ---------------------------------------------------------------------------
  const SPECIAL_PORTS = { ftp: 21, file: null, http: 80, https: 443, ws: 80, wss: 443 };
  const isSpecial = (scheme) => Object.prototype.hasOwnProperty.call(SPECIAL_PORTS, scheme);
  const FRAGMENT_SET = ' "<>`';
  const QUERY_SET = ' "#<>';
  const SPECIAL_QUERY_SET = QUERY_SET + "'";
  const PATH_SET = QUERY_SET + '?`{}';
  const USERINFO_SET = PATH_SET + '/:;=@[\\]^|';
  const hex2 = (c) => (c < 16 ? '%0' : '%') + c.toString(16).toUpperCase();

  // Percent-encode C0 controls, non-ASCII (as UTF-8) and the chars in `extra`.
  function pctEncode(s, extra) {
    let out = '', last = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f && extra.indexOf(s[i]) === -1) continue;
      out += s.slice(last, i);
      if (c < 0x80) out += hex2(c);
      else {
        let ch = s[i];
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) { ch += s[i + 1]; i++; }
        }
        try { out += encodeURIComponent(ch); } catch { out += '%EF%BF%BD'; }
      }
      last = i + 1;
    }
    return last === 0 ? s : out + s.slice(last);
  }
  const isHexByte = (b) => (b >= 48 && b <= 57) || (b >= 65 && b <= 70) || (b >= 97 && b <= 102);
  const hexVal = (b) => (b <= 57 ? b - 48 : (b | 32) - 87);
  function pctDecode(s) {
    if (s.indexOf('%') === -1) return s;
    const b = bytesOf(host.utf8Encode(toWellFormed(s)));
    const out = new Uint8Array(b.length);
    let j = 0;
    for (let i = 0; i < b.length; i++) {
      if (b[i] === 37 && i + 2 < b.length && isHexByte(b[i + 1]) && isHexByte(b[i + 2])) {
        out[j++] = hexVal(b[i + 1]) * 16 + hexVal(b[i + 2]);
        i += 2;
      } else out[j++] = b[i];
    }
    return host.utf8Decode(out.subarray(0, j), false);
  }
  const formEncode = (s) => encodeURIComponent(toWellFormed(s)).replace(/%20/g, '+')
    .replace(/[!'()~]/g, (c) => hex2(c.charCodeAt(0)));
  function formParse(q) {
    const list = [];
    for (const seq of q.split('&')) {
      if (!seq) continue;
      const eq = seq.indexOf('=');
      const name = eq === -1 ? seq : seq.slice(0, eq), value = eq === -1 ? '' : seq.slice(eq + 1);
      list.push([pctDecode(name.replace(/\+/g, ' ')), pctDecode(value.replace(/\+/g, ' '))]);
    }
    return list;
  }
  const formSerialize = (list) => list.map((p) => formEncode(p[0]) + '=' + formEncode(p[1])).join('&');

  function parseIPv4Number(p) {
    if (p === '') return null;
    let radix = 10;
    if (/^0[xX]/.test(p)) { p = p.slice(2); radix = 16; } else if (p.length > 1 && p[0] === '0') { p = p.slice(1); radix = 8; }
    if (p === '') return 0;
    const ok = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
    return ok.test(p) ? parseInt(p, radix) : null;
  }
  function endsInNumber(s) {
    const parts = s.split('.');
    if (parts[parts.length - 1] === '') { if (parts.length === 1) return false; parts.pop(); }
    const last = parts[parts.length - 1];
    return /^[0-9]+$/.test(last) || /^0[xX][0-9a-fA-F]*$/.test(last);
  }
  function parseIPv4(s) {
    const parts = s.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return null;
    const nums = [];
    for (const p of parts) { const n = parseIPv4Number(p); if (n === null) return null; nums.push(n); }
    for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return null;
    if (nums[nums.length - 1] >= 256 ** (5 - nums.length)) return null;
    let ip = nums[nums.length - 1];
    for (let i = 0; i < nums.length - 1; i++) ip += nums[i] * 256 ** (3 - i);
    return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
  }
  function parseIPv6(s) {
    const pieces = [0, 0, 0, 0, 0, 0, 0, 0];
    const isHex = (c) => c !== undefined && /[0-9a-fA-F]/.test(c);
    const isDigit = (c) => c !== undefined && c >= '0' && c <= '9';
    let pi = 0, compress = null, p = 0;
    if (s[0] === ':') { if (s[1] !== ':') return null; p = 2; compress = ++pi; }
    while (p < s.length) {
      if (pi === 8) return null;
      if (s[p] === ':') { if (compress !== null) return null; p++; compress = ++pi; continue; }
      let value = 0, length = 0;
      while (length < 4 && isHex(s[p])) { value = value * 16 + parseInt(s[p], 16); p++; length++; }
      if (s[p] === '.') {
        if (length === 0 || pi > 6) return null;
        p -= length;
        let seen = 0;
        while (p < s.length) {
          let v4 = null;
          if (seen > 0) { if (s[p] === '.' && seen < 4) p++; else return null; }
          if (!isDigit(s[p])) return null;
          while (isDigit(s[p])) {
            const n = +s[p];
            if (v4 === null) v4 = n; else if (v4 === 0) return null; else v4 = v4 * 10 + n;
            if (v4 > 255) return null;
            p++;
          }
          pieces[pi] = pieces[pi] * 256 + v4;
          seen++;
          if (seen === 2 || seen === 4) pi++;
        }
        if (seen !== 4) return null;
        break;
      } else if (s[p] === ':') { p++; if (p >= s.length) return null; } else if (p < s.length) return null;
      pieces[pi++] = value;
    }
    if (compress !== null) {
      let swaps = pi - compress;
      pi = 7;
      while (pi !== 0 && swaps > 0) {
        const j = compress + swaps - 1;
        [pieces[pi], pieces[j]] = [pieces[j], pieces[pi]];
        pi--; swaps--;
      }
    } else if (pi !== 8) return null;
    let best = -1, bestLen = 1; // compress the longest run (>= 2) of zero pieces
    for (let i = 0; i < 8;) {
      if (pieces[i] !== 0) { i++; continue; }
      let j = i;
      while (j < 8 && pieces[j] === 0) j++;
      if (j - i > bestLen) { best = i; bestLen = j - i; }
      i = j;
    }
    let out = '';
    for (let i = 0; i < 8; i++) {
      if (i === best) { out += i === 0 ? '::' : ':'; i += bestLen - 1; continue; }
      out += pieces[i].toString(16) + (i < 7 ? ':' : '');
    }
    return out;
  }
  function parseHost(input, special) {
    if (input[0] === '[') {
      if (input[input.length - 1] !== ']') return null;
      const v6 = parseIPv6(input.slice(1, -1));
      return v6 === null ? null : '[' + v6 + ']';
    }
    if (!special) return /[\u0000\t\n\r #/:<>?@[\\\]^|]/.test(input) ? null : pctEncode(input, '');
    const host = pctDecode(input).toLowerCase(); // no IDNA: non-ASCII hosts stay Unicode
    if (host === '' || /[\u0000-\u0020#%/:<>?@[\\\]^|\u007f]/.test(host)) return null;
    return endsInNumber(host) ? parseIPv4(host) : host;
  }
  function firstOf(s, chars) {
    for (let i = 0; i < s.length; i++) if (chars.indexOf(s[i]) !== -1) return i;
    return s.length;
  }
  function resolvePath(segs, input, special) {
    const parts = (special ? input.replace(/\\/g, '/') : input).split('/');
    let i = 0;
    if (parts[0] === '') { segs = []; i = 1; }
    for (; i < parts.length; i++) {
      const raw = parts[i], last = i === parts.length - 1;
      const low = raw.length <= 6 ? raw.toLowerCase() : '';
      if (low === '..' || low === '.%2e' || low === '%2e.' || low === '%2e%2e') {
        segs.pop();
        if (last) segs.push('');
      } else if (low === '.' || low === '%2e') {
        if (last) segs.push('');
      } else segs.push(pctEncode(raw, PATH_SET));
    }
    return segs;
  }
  const newRecord = (scheme, host) =>
    ({ scheme, username: '', password: '', host, port: '', path: [], opaque: null, query: null, fragment: null });
  // Fill path/query/fragment of `r` from `str`, relative to `base` when given.
  function applyRest(r, str, special, base) {
    const h = str.indexOf('#');
    const before = h === -1 ? str : str.slice(0, h);
    const q = before.indexOf('?');
    const p = q === -1 ? before : before.slice(0, q);
    const query = q === -1 ? null : pctEncode(before.slice(q + 1), special ? SPECIAL_QUERY_SET : QUERY_SET);
    if (base && p === '') {
      r.path = base.path.slice();
      r.query = query === null ? base.query : query;
    } else {
      if (p === '') r.path = special ? [''] : [];
      else if (p[0] === '/' || (special && p[0] === '\\')) r.path = resolvePath([], p, special);
      else if (base) r.path = resolvePath(base.path.slice(0, -1), p, special);
      else r.path = resolvePath([], '/' + p, special);
      r.query = query;
    }
    r.fragment = h === -1 ? null : pctEncode(str.slice(h + 1), FRAGMENT_SET);
    return r;
  }
  function parseAuthority(scheme, rest, special) {
    const end = firstOf(rest, special ? '/\\?#' : '/?#');
    const auth = rest.slice(0, end);
    const at = auth.lastIndexOf('@');
    const r = newRecord(scheme, '');
    let hp = auth;
    if (at !== -1) {
      const ui = auth.slice(0, at), c = ui.indexOf(':');
      hp = auth.slice(at + 1);
      r.username = pctEncode(c === -1 ? ui : ui.slice(0, c), USERINFO_SET);
      r.password = c === -1 ? '' : pctEncode(ui.slice(c + 1), USERINFO_SET);
    }
    const close = hp[0] === '[' ? hp.indexOf(']') : -1;
    const colon = hp.indexOf(':', close === -1 ? 0 : close);
    const hostStr = colon === -1 ? hp : hp.slice(0, colon), portStr = colon === -1 ? '' : hp.slice(colon + 1);
    if (hostStr === '' && (special || at !== -1 || portStr !== '')) return null;
    if (hostStr !== '') { r.host = parseHost(hostStr, special); if (r.host === null) return null; }
    if (portStr !== '') {
      if (!/^[0-9]+$/.test(portStr)) return null;
      const n = parseInt(portStr, 10);
      if (n > 65535) return null;
      r.port = n === SPECIAL_PORTS[scheme] ? '' : String(n);
    }
    return applyRest(r, rest.slice(end), special, null);
  }
  function parseFile(rest, base) {
    const r = newRecord('file', '');
    if (/^[/\\]{2}/.test(rest)) {
      rest = rest.slice(2);
      const end = firstOf(rest, '/\\?#');
      const hostStr = rest.slice(0, end);
      if (hostStr !== '') {
        const h = parseHost(hostStr, true);
        if (h === null) return null;
        r.host = h === 'localhost' ? '' : h;
      }
      return applyRest(r, rest.slice(end), true, null);
    }
    if (base && base.scheme === 'file') { r.host = base.host; return applyRest(r, rest, true, base); }
    return applyRest(r, rest, true, null);
  }
  function parseRelative(input, base) {
    if (base.opaque !== null) {
      if (input[0] !== '#') return null;
      return { ...base, fragment: pctEncode(input.slice(1), FRAGMENT_SET) };
    }
    if (base.scheme === 'file') return parseFile(input, base);
    const special = isSpecial(base.scheme);
    if (special ? /^[/\\]{2}/.test(input) : input.startsWith('//')) {
      return parseAuthority(base.scheme, special ? input.replace(/^[/\\]+/, '') : input.slice(2), special);
    }
    const r = { ...base, path: [], query: null, fragment: null };
    return applyRest(r, input, special, base);
  }
  function parseURL(input, base) {
    input = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
    const m = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(input);
    if (!m) return base ? parseRelative(input, base) : null;
    const scheme = m[1].toLowerCase();
    const rest = input.slice(m[0].length);
    if (scheme === 'file') return parseFile(rest, base && base.scheme === 'file' ? base : null);
    if (isSpecial(scheme)) {
      if (base && base.scheme === scheme && !/^[/\\]/.test(rest)) return parseRelative(rest, base);
      return parseAuthority(scheme, rest.replace(/^[/\\]+/, ''), true);
    }
    if (rest.startsWith('//')) return parseAuthority(scheme, rest.slice(2), false);
    if (rest[0] === '/') return applyRest(newRecord(scheme, null), rest, false, null);
    // Opaque path (mailto:, data:, javascript:, urn:, ...).
    const r = applyRest(newRecord(scheme, null), '', false, null);
    const h = rest.indexOf('#'), before = h === -1 ? rest : rest.slice(0, h), q = before.indexOf('?');
    r.opaque = pctEncode(q === -1 ? before : before.slice(0, q), '');
    r.query = q === -1 ? null : pctEncode(before.slice(q + 1), QUERY_SET);
    r.fragment = h === -1 ? null : pctEncode(rest.slice(h + 1), FRAGMENT_SET);
    return r;
  }
  const pathString = (r) => (r.opaque !== null ? r.opaque : r.path.length ? '/' + r.path.join('/') : '');
  function serializeURL(r) {
    let s = r.scheme + ':';
    if (r.host !== null) {
      s += '//';
      if (r.username || r.password) s += r.username + (r.password ? ':' + r.password : '') + '@';
      s += r.host + (r.port !== '' ? ':' + r.port : '');
    } else if (r.opaque === null && r.path.length > 1 && r.path[0] === '') s += '/.';
    s += pathString(r);
    if (r.query !== null) s += '?' + r.query;
    if (r.fragment !== null) s += '#' + r.fragment;
    return s;
  }

  const urlState = new WeakMap(); // URL -> { r: record, sp: URLSearchParams | null }
  const spState = new WeakMap(); // URLSearchParams -> { list: [[k, v]], url: urlState entry | null }
  const stateOf = (map, o) => {
    const s = map.get(o);
    if (!s) throw new TypeError('Illegal invocation');
    return s;
  };
  const toUSV = (v) => toWellFormed(String(v));
  function invalidURL(input) {
    const e = new TypeError('Invalid URL');
    e.code = 'ERR_INVALID_URL';
    e.input = safeString(input);
    return e;
  }
  function parseWithBase(url, base) {
    let b = null;
    if (base !== undefined) { b = parseURL(toUSV(base), null); if (!b) return null; }
    return parseURL(toUSV(url), b);
  }
  function syncParams(s) { if (s.sp) spState.get(s.sp).list = s.r.query ? formParse(s.r.query) : []; }
  function spChanged(st) {
    if (!st.url) return;
    const q = formSerialize(st.list);
    st.url.r.query = q === '' ? null : q;
  }
  function hostPort(r, value, withPort) {
    const special = isSpecial(r.scheme);
    let str = toUSV(value);
    str = str.slice(0, firstOf(str, special ? '/\\?#' : '/?#'));
    const close = str[0] === '[' ? str.indexOf(']') : -1;
    const colon = str.indexOf(':', close === -1 ? 0 : close);
    const hostStr = colon === -1 ? str : str.slice(0, colon);
    if (hostStr === '' && special) return;
    const h = hostStr === '' ? '' : parseHost(hostStr, special);
    if (h === null) return;
    r.host = r.scheme === 'file' && h === 'localhost' ? '' : h;
    if (withPort && colon !== -1 && r.scheme !== 'file') setPort(r, str.slice(colon + 1));
  }
  function setPort(r, v) {
    if (v === '') { r.port = ''; return; }
    const m = /^[0-9]+/.exec(v);
    if (!m) return;
    const n = parseInt(m[0], 10);
    if (n <= 65535) r.port = n === SPECIAL_PORTS[r.scheme] ? '' : String(n);
  }

  class URL {
    constructor(url, base = undefined) {
      if (arguments.length === 0) throw new TypeError('The "url" argument must be specified');
      const r = parseWithBase(url, base);
      if (!r) throw invalidURL(url);
      urlState.set(this, { r, sp: null });
    }
    static canParse(url, base = undefined) { try { return parseWithBase(url, base) !== null; } catch { return false; } }
    static parse(url, base = undefined) { try { return parseWithBase(url, base) ? new URL(url, base) : null; } catch { return null; } }
    get href() { return serializeURL(stateOf(urlState, this).r); }
    set href(v) {
      const s = stateOf(urlState, this), r = parseURL(toUSV(v), null);
      if (!r) throw invalidURL(v);
      s.r = r;
      syncParams(s);
    }
    get origin() {
      const r = stateOf(urlState, this).r;
      if (r.scheme === 'blob') { const inner = parseURL(pathString(r), null); return inner && /^https?$/.test(inner.scheme) ? new URL(serializeURL(inner)).origin : 'null'; }
      if (!isSpecial(r.scheme) || r.scheme === 'file') return 'null';
      return r.scheme + '://' + r.host + (r.port !== '' ? ':' + r.port : '');
    }
    get protocol() { return stateOf(urlState, this).r.scheme + ':'; }
    set protocol(v) {
      const r = stateOf(urlState, this).r;
      const m = /^[A-Za-z][A-Za-z0-9+\-.]*(?=:|$)/.exec(toUSV(v));
      if (!m) return;
      const scheme = m[0].toLowerCase();
      if (isSpecial(scheme) !== isSpecial(r.scheme)) return;
      if (scheme === 'file' && (r.username || r.password || r.port !== '')) return;
      if (r.scheme === 'file' && r.host === '') return;
      r.scheme = scheme;
      if (r.port !== '' && +r.port === SPECIAL_PORTS[scheme]) r.port = '';
    }
    get username() { return stateOf(urlState, this).r.username; }
    set username(v) { const r = stateOf(urlState, this).r; if (r.host && r.scheme !== 'file') r.username = pctEncode(toUSV(v), USERINFO_SET); }
    get password() { return stateOf(urlState, this).r.password; }
    set password(v) { const r = stateOf(urlState, this).r; if (r.host && r.scheme !== 'file') r.password = pctEncode(toUSV(v), USERINFO_SET); }
    get host() { const r = stateOf(urlState, this).r; return r.host === null ? '' : r.host + (r.port !== '' ? ':' + r.port : ''); }
    set host(v) { const r = stateOf(urlState, this).r; if (r.opaque === null) hostPort(r, v, true); }
    get hostname() { const r = stateOf(urlState, this).r; return r.host === null ? '' : r.host; }
    set hostname(v) { const r = stateOf(urlState, this).r; if (r.opaque === null) hostPort(r, v, false); }
    get port() { return stateOf(urlState, this).r.port; }
    set port(v) { const r = stateOf(urlState, this).r; if (r.host && r.scheme !== 'file') setPort(r, toUSV(v)); }
    get pathname() { return pathString(stateOf(urlState, this).r); }
    set pathname(v) {
      const r = stateOf(urlState, this).r;
      if (r.opaque !== null) return;
      const special = isSpecial(r.scheme), s = toUSV(v);
      if (s === '') r.path = special ? [''] : [];
      else r.path = resolvePath([], s[0] === '/' || (special && s[0] === '\\') ? s : '/' + s, special);
    }
    get search() { const q = stateOf(urlState, this).r.query; return q ? '?' + q : ''; }
    set search(v) {
      const s = stateOf(urlState, this);
      let str = toUSV(v);
      if (str[0] === '?') str = str.slice(1);
      s.r.query = str === '' && toUSV(v) === '' ? null : pctEncode(str, isSpecial(s.r.scheme) ? SPECIAL_QUERY_SET : QUERY_SET);
      syncParams(s);
    }
    get searchParams() {
      const s = stateOf(urlState, this);
      if (!s.sp) {
        s.sp = new URLSearchParams();
        const st = spState.get(s.sp);
        st.url = s;
        st.list = s.r.query ? formParse(s.r.query) : [];
      }
      return s.sp;
    }
    get hash() { const f = stateOf(urlState, this).r.fragment; return f ? '#' + f : ''; }
    set hash(v) {
      const r = stateOf(urlState, this).r;
      let str = toUSV(v);
      if (str === '') { r.fragment = null; return; }
      if (str[0] === '#') str = str.slice(1);
      r.fragment = pctEncode(str, FRAGMENT_SET);
    }
    toString() { return this.href; }
    toJSON() { return this.href; }
    [kCustomInspect]() {
      const o = {};
      for (const k of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']) o[k] = this[k];
      return 'URL ' + jsonStr(o);
    }
  }
  defProp(URL.prototype, Symbol.toStringTag, { value: 'URL', configurable: true });

  class URLSearchParams {
    constructor(init = undefined) {
      const st = { list: [], url: null };
      spState.set(this, st);
      if (init === undefined || init === null) return;
      if (typeof init === 'object' || typeof init === 'function') {
        const other = spState.get(init);
        if (other) { st.list = other.list.map((p) => [p[0], p[1]]); return; }
        if (typeof init[Symbol.iterator] === 'function') {
          for (const pair of init) {
            const a = pair !== null && typeof pair === 'object' && typeof pair[Symbol.iterator] === 'function' ? Array.from(pair) : null;
            if (!a || a.length !== 2) throw new TypeError('Each query pair must be an iterable [name, value] tuple');
            st.list.push([toUSV(a[0]), toUSV(a[1])]);
          }
        } else {
          for (const k of objectKeys(init)) st.list.push([toUSV(k), toUSV(init[k])]);
        }
        return;
      }
      let s = toUSV(init);
      if (s[0] === '?') s = s.slice(1);
      st.list = formParse(s);
    }
    get size() { return stateOf(spState, this).list.length; }
    append(name, value) { const st = stateOf(spState, this); st.list.push([toUSV(name), toUSV(value)]); spChanged(st); }
    delete(name, value = undefined) {
      const st = stateOf(spState, this), n = toUSV(name), v = value === undefined ? undefined : toUSV(value);
      st.list = st.list.filter((p) => !(p[0] === n && (v === undefined || p[1] === v)));
      spChanged(st);
    }
    get(name) { const n = toUSV(name); const p = stateOf(spState, this).list.find((x) => x[0] === n); return p ? p[1] : null; }
    getAll(name) { const n = toUSV(name); return stateOf(spState, this).list.filter((x) => x[0] === n).map((x) => x[1]); }
    has(name, value = undefined) {
      const n = toUSV(name), v = value === undefined ? undefined : toUSV(value);
      return stateOf(spState, this).list.some((p) => p[0] === n && (v === undefined || p[1] === v));
    }
    set(name, value) {
      const st = stateOf(spState, this), n = toUSV(name), v = toUSV(value);
      const i = st.list.findIndex((p) => p[0] === n);
      if (i === -1) st.list.push([n, v]);
      else {
        st.list[i][1] = v;
        st.list = st.list.filter((p, j) => j <= i || p[0] !== n);
      }
      spChanged(st);
    }
    sort() {
      const st = stateOf(spState, this);
      st.list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); // stable, by UTF-16 code units
      spChanged(st);
    }
    forEach(cb, thisArg = undefined) {
      if (typeof cb !== 'function') throw new TypeError('The "callback" argument must be of type function');
      const st = stateOf(spState, this);
      for (let i = 0; i < st.list.length; i++) cb.call(thisArg, st.list[i][1], st.list[i][0], this);
    }
    *entries() { const st = stateOf(spState, this); for (let i = 0; i < st.list.length; i++) yield [st.list[i][0], st.list[i][1]]; }
    *keys() { const st = stateOf(spState, this); for (let i = 0; i < st.list.length; i++) yield st.list[i][0]; }
    *values() { const st = stateOf(spState, this); for (let i = 0; i < st.list.length; i++) yield st.list[i][1]; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return formSerialize(stateOf(spState, this).list); }
    [kCustomInspect]() {
      const l = stateOf(spState, this).list;
      return l.length ? 'URLSearchParams { ' + l.map((p) => nodeQuote(p[0]) + ' => ' + nodeQuote(p[1])).join(', ') + ' }' : 'URLSearchParams {}';
    }
  }
  defProp(URLSearchParams.prototype, Symbol.toStringTag, { value: 'URLSearchParams', configurable: true });
  defGlobalIfMissing('URL', URL);
  defGlobalIfMissing('URLSearchParams', URLSearchParams);

  // ---------------------------------------------------------------------------
  // 8. Randomness and time: host-backed so the snapshot doesn't freeze them
  // ---------------------------------------------------------------------------
  defProp(Math, 'random', { value: function random() { return host.random(); }, writable: true, configurable: true });

  const INTEGER_ARRAYS = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
    'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];
  const cryptoObj = typeof G.crypto === 'object' && G.crypto !== null ? G.crypto : {};
  if (typeof cryptoObj.getRandomValues !== 'function') {
    cryptoObj.getRandomValues = function getRandomValues(ta) {
      if (INTEGER_ARRAYS.indexOf(taTag(ta)) === -1) {
        throw domError('TypeMismatchError', 'The data argument must be an integer-type TypedArray');
      }
      if (ta.byteLength > 65536) {
        throw domError('QuotaExceededError', `The ArrayBufferView's byte length (${ta.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`);
      }
      if (ta.byteLength) new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength).set(bytesOf(host.randomBytes(ta.byteLength)));
      return ta;
    };
  }
  if (typeof cryptoObj.randomUUID !== 'function') {
    cryptoObj.randomUUID = function randomUUID() {
      const b = bytesOf(host.randomBytes(16));
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = bytesToHex(b);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
  }
  defGlobal('crypto', cryptoObj);

  // quickjs-ng's own performance.now is non-writable and would count from
  // snapshot time, so install a fresh object whose origin reset() moves.
  let perfOrigin = 0, perfTimeOrigin = 0;
  const performanceObj = {
    now: function now() { return host.monotonic() - perfOrigin; },
    get timeOrigin() { return perfTimeOrigin; },
    toJSON() { return { timeOrigin: perfTimeOrigin }; },
  };
  defGlobal('performance', performanceObj);

  // ---------------------------------------------------------------------------
  // 9. fs (promise API + *Sync twins) and require()
  // ---------------------------------------------------------------------------
  function describeArg(v) {
    if (v === null) return 'null';
    if (v === undefined) return 'undefined';
    if (typeof v === 'function') return 'function ' + (safeGet(v, 'name') || '(anonymous)');
    if (typeof v === 'object') { const cn = (() => { try { return className(v); } catch { return ''; } })(); return cn ? 'an instance of ' + cn : 'an instance of Object'; }
    let s = typeof v === 'symbol' ? symToString(v) : typeof v === 'string' ? nodeQuote(v) : fmt(v, 0, [], TOP);
    if (s.length > 28) s = s.slice(0, 25) + '...';
    return `type ${typeof v} (${s})`;
  }
  const isStdin = (p) => nodeStdin !== null && (p === 0 || p === '/dev/stdin' || p === '/dev/fd/0');
  // All of standard input the first time, then nothing (it has been read), as in Node.
  function takeStdin() {
    const s = nodeStdin;
    if (s.data === null) {
      const e = new Error("EAGAIN: standard input was not handed to this script: node passes it only to a script whose source mentions stdin (process.stdin, '/dev/stdin', readFileSync(0))");
      Object.assign(e, { errno: -11, code: 'EAGAIN', syscall: 'read' });
      throw e;
    }
    if (s.taken) return new ArrayBuffer(0);
    s.taken = true;
    return s.data;
  }
  function argError(name, expected, value) {
    const e = new TypeError(`The "${name}" argument must be ${expected}. Received ${describeArg(value)}`);
    e.code = 'ERR_INVALID_ARG_TYPE';
    return e;
  }
  function toPath(p, name = 'path') {
    if (typeof p !== 'string') {
      if (p !== null && typeof p === 'object' && typeof safeGet(p, 'href') === 'string' && safeGet(p, 'protocol') === 'file:') {
        p = pctDecode(String(p.pathname));
      }
      else if (taTag(p) === 'Uint8Array') p = host.utf8Decode(p, false);
      else throw argError(name, 'of type string or an instance of Buffer or URL', p);
    }
    if (p.indexOf('\u0000') !== -1) {
      const e = new TypeError(`The argument '${name}' must be a string, Uint8Array, or URL without null bytes. Received ${jsonStr(p)}`);
      e.code = 'ERR_INVALID_ARG_VALUE';
      throw e;
    }
    // In a `node` run, relative paths are the shell's working directory's (the host's are
    // /workspace's).
    if (fsCwd !== null && p !== '' && p[0] !== '/') p = joinPath(fsCwd, p);
    return p;
  }
  function hostError(payload) {
    let info = null;
    try { info = JSON.parse(host.utf8Decode(payload, false)); } catch { /* not JSON */ }
    if (info === null || typeof info !== 'object') info = { message: 'host call failed: ' + safeString(info) };
    // The prelude's own frames are filtered out later: make room so the user's still fit.
    const limit = Error.stackTraceLimit;
    try { if (typeof limit === 'number') Error.stackTraceLimit = limit + 6; } catch { /* frozen */ }
    const e = new Error(safeString(info.message ?? 'unknown host error'));
    try { if (typeof limit === 'number') Error.stackTraceLimit = limit; } catch { /* frozen */ }
    for (const k of ['errno', 'code', 'syscall', 'path', 'dest']) if (info[k] !== undefined) e[k] = info[k];
    return e;
  }
  function hostCall(op, arg, data) {
    const res = data === undefined ? host.call(op, jsonStr(arg)) : host.call(op, jsonStr(arg), data);
    if (res[0]) return res[1];
    throw hostError(res[1]);
  }
  const hostJSON = (op, arg) => JSON.parse(host.utf8Decode(hostCall(op, arg), false));

  const ENCODINGS = { utf8: 'utf8', 'utf-8': 'utf8', base64: 'base64', base64url: 'base64url', hex: 'hex',
    latin1: 'latin1', binary: 'latin1', ascii: 'ascii', buffer: 'buffer' };
  function encodingOf(options, dflt) {
    let enc = options;
    if (options === undefined || typeof options === 'function') return dflt;
    if (options !== null && typeof options === 'object') {
      if (!('encoding' in options) || options.encoding === undefined) return dflt;
      enc = options.encoding;
    }
    if (enc === null) return 'buffer';
    const n = typeof enc === 'string' ? ENCODINGS[enc.toLowerCase()] : undefined;
    if (n === undefined) {
      const e = new TypeError(`The argument 'encoding' is invalid encoding. Received ${describeArg(enc)}`);
      e.code = 'ERR_INVALID_ARG_VALUE';
      throw e;
    }
    return n;
  }
  function decodeBytes(ab, enc) {
    switch (enc) {
      case 'utf8': return host.utf8Decode(ab, false);
      case 'buffer': return bytesOf(ab);
      case 'base64': return bytesToBase64(bytesOf(ab), false);
      case 'base64url': return bytesToBase64(bytesOf(ab), true);
      case 'hex': return bytesToHex(bytesOf(ab));
      case 'latin1': return latin1FromBytes(bytesOf(ab));
      case 'ascii': return latin1FromBytes(bytesOf(ab), 127);
    }
    return host.utf8Decode(ab, false);
  }
  const copyBuffer = (bytes) => { const c = new Uint8Array(bytes.length); c.set(bytes); return c.buffer; };
  function dataToBuffer(data, enc) {
    if (typeof data === 'string') {
      switch (enc) {
        case 'base64': case 'base64url': return copyBuffer(base64ToBytes(data));
        case 'hex': return copyBuffer(hexToBytes(data));
        case 'latin1': case 'ascii': return copyBuffer(Uint8Array.from(data, (c) => c.charCodeAt(0) & 255));
      }
      return host.utf8Encode(toWellFormed(data));
    }
    if (brand(abByteLength, data)) return data;
    const v = viewBytes(data);
    if (v) return v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && brand(abByteLength, v.buffer) ? v.buffer : copyBuffer(v);
    return host.utf8Encode(toWellFormed(String(data)));
  }

  const kType = Symbol('type');
  class Stats {
    constructor(info) {
      const dir = info.type === 'dir', ro = !!info.readonly;
      this.size = Number(info.size) || 0;
      this.mode = dir ? (ro ? 0o555 : 0o755) : (ro ? 0o444 : 0o644);
      this.mtimeMs = Number(info.mtimeMs) || 0;
      this.mtime = new Date(this.mtimeMs);
      this.atimeMs = this.ctimeMs = this.birthtimeMs = this.mtimeMs;
      this.atime = new Date(this.mtimeMs); this.ctime = new Date(this.mtimeMs); this.birthtime = new Date(this.mtimeMs);
      defProp(this, kType, { value: info.type });
    }
    isFile() { return this[kType] === 'file'; }
    isDirectory() { return this[kType] === 'dir'; }
    isSymbolicLink() { return false; }
    isFIFO() { return false; }
    isSocket() { return false; }
    isBlockDevice() { return false; }
    isCharacterDevice() { return false; }
  }
  class Dirent {
    constructor(name, type, parentPath) {
      this.name = name;
      this.parentPath = parentPath;
      this.path = parentPath;
      defProp(this, kType, { value: type });
    }
  }
  for (const m of ['isFile', 'isDirectory', 'isSymbolicLink', 'isFIFO', 'isSocket', 'isBlockDevice', 'isCharacterDevice']) {
    Dirent.prototype[m] = Stats.prototype[m];
  }
  const joinPath = (dir, name) => (dir.endsWith('/') ? dir + name : dir + '/' + name);

  const fsSync = {
    readFile(path, options) {
      const enc = encodingOf(options, 'utf8');
      if (isStdin(path)) return decodeBytes(takeStdin(), enc);
      return decodeBytes(hostCall('fs.readFile', { path: toPath(path) }), enc);
    },
    writeFile(path, data, options) {
      const p = toPath(path);
      hostCall('fs.writeFile', { path: p }, dataToBuffer(data, encodingOf(options, 'utf8')));
    },
    appendFile(path, data, options) {
      const p = toPath(path);
      hostCall('fs.appendFile', { path: p }, dataToBuffer(data, encodingOf(options, 'utf8')));
    },
    exists(path) {
      let p;
      try { p = toPath(path); } catch { return false; }
      try { return hostJSON('fs.exists', { path: p }) === true; } catch { return false; }
    },
    access(path, mode) {
      const p = toPath(path);
      const st = hostJSON('fs.stat', { path: p });
      if ((Number(mode) & 2) && st.readonly) {
        const e = new Error(`EACCES: permission denied, access '${p}'`);
        Object.assign(e, { errno: -13, code: 'EACCES', syscall: 'access', path: p });
        throw e;
      }
    },
    stat(path) { return new Stats(hostJSON('fs.stat', { path: toPath(path) })); },
    lstat(path) { return new Stats(hostJSON('fs.stat', { path: toPath(path) })); },
    readdir(path, options) {
      const p = toPath(path);
      const withTypes = !!(options && typeof options === 'object' && options.withFileTypes);
      const recursive = !!(options && typeof options === 'object' && options.recursive);
      const out = [];
      const queue = [[p, '']];
      while (queue.length) {
        const [dir, rel] = queue.shift();
        const list = hostJSON('fs.readdir', { path: dir });
        for (const d of list) {
          const relName = rel ? rel + '/' + d.name : d.name;
          out.push(withTypes ? new Dirent(d.name, d.type, dir) : relName);
          if (recursive && d.type === 'dir') queue.push([joinPath(dir, d.name), relName]);
        }
      }
      return out;
    },
    mkdir(path, options) {
      const recursive = !!(options && typeof options === 'object' && options.recursive);
      hostCall('fs.mkdir', { path: toPath(path), recursive });
    },
    rm(path, options) {
      const o = options && typeof options === 'object' ? options : {};
      hostCall('fs.rm', { path: toPath(path), recursive: !!o.recursive, force: !!o.force });
    },
    rmdir(path, options) {
      const p = toPath(path);
      if (options && typeof options === 'object' && options.recursive) hostCall('fs.rm', { path: p, recursive: true, force: false });
      else hostCall('fs.rmdir', { path: p });
    },
    unlink(path) { hostCall('fs.unlink', { path: toPath(path) }); },
    rename(from, to) { hostCall('fs.rename', { from: toPath(from, 'oldPath'), to: toPath(to, 'newPath') }); },
    copyFile(from, to) { hostCall('fs.copyFile', { from: toPath(from, 'src'), to: toPath(to, 'dest') }); },
  };

  const runAsync = async (impl, args) => impl(...args); // throws become rejections
  const fs = { constants: { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, COPYFILE_EXCL: 1 } };
  for (const name of objectKeys(fsSync)) {
    const impl = fsSync[name];
    fs[name + 'Sync'] = named(name + 'Sync', (...args) => impl(...args));
    // Promise style by default; a trailing callback gets Node's (err, result)
    // convention instead (exists: (bool)). Failures reject, never throw.
    fs[name] = named(name, (...args) => {
      const cb = args.length > 1 && typeof args[args.length - 1] === 'function' ? args.pop() : null;
      const p = runAsync(impl, args);
      if (!cb) return p;
      if (name === 'exists') promiseThen(p, (v) => cb(v), () => cb(false));
      else promiseThen(p, (v) => cb(null, v), (e) => cb(e));
      return undefined;
    });
  }
  fs.promises = fs;
  // Agents write `await fs.readFile(...)` without an import as often as with `require('fs')`.
  defGlobal('fs', fs);

  // Buffer: Node's byte array, a Uint8Array with encodings (utf8, hex, base64, base64url,
  // latin1, ascii).
  const bufferEncoding = (enc) => {
    if (enc === undefined || enc === null) return 'utf8';
    const n = typeof enc === 'string' ? ENCODINGS[enc.toLowerCase()] : undefined;
    if (n === undefined || n === 'buffer') {
      const e = new TypeError(`Unknown encoding: ${safeString(enc)}`);
      e.code = 'ERR_UNKNOWN_ENCODING';
      throw e;
    }
    return n;
  };
  const bufferArg = (name, v) => {
    if (!(v instanceof Uint8Array)) {
      const e = new TypeError(`The "${name}" argument must be an instance of Buffer or Uint8Array.`);
      e.code = 'ERR_INVALID_ARG_TYPE';
      throw e;
    }
    return v;
  };
  class Buffer extends Uint8Array {
    static from(value, encodingOrOffset, length) {
      if (typeof value === 'string') {
        const ab = dataToBuffer(value, bufferEncoding(encodingOrOffset));
        return new Buffer(ab);
      }
      if (brand(abByteLength, value)) {
        const offset = encodingOrOffset === undefined ? 0 : Number(encodingOrOffset);
        const len = length === undefined ? abByteLength(value) - offset : Number(length);
        return new Buffer(value, offset, len);
      }
      if (value !== null && typeof value === 'object') {
        if (value.type === 'Buffer' && isArray(value.data)) return Buffer.from(value.data);
        const view = ArrayBuffer.isView(value) ? viewBytes(value) : null;
        const out = new Buffer(view ? view.length : (value.length >>> 0));
        if (view) out.set(view);
        else for (let i = 0; i < out.length; i++) out[i] = Number(value[i]) & 255;
        return out;
      }
      const e = new TypeError('The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.');
      e.code = 'ERR_INVALID_ARG_TYPE';
      throw e;
    }
    static alloc(size, fill, encoding) {
      const out = new Buffer(size);
      if (fill !== undefined && fill !== 0) out.fill(fill, 0, out.length, encoding);
      return out;
    }
    static allocUnsafe(size) { return new Buffer(size); }
    static isBuffer(v) { return v instanceof Buffer; }
    static isEncoding(enc) {
      return typeof enc === 'string' && ENCODINGS[enc.toLowerCase()] !== undefined && enc.toLowerCase() !== 'buffer';
    }
    static byteLength(value, encoding) {
      if (typeof value !== 'string') return viewBytes(value)?.length ?? abByteLength(value);
      return abByteLength(dataToBuffer(value, bufferEncoding(encoding)));
    }
    static concat(list, totalLength) {
      if (!isArray(list)) {
        const e = new TypeError('The "list" argument must be an instance of Array.');
        e.code = 'ERR_INVALID_ARG_TYPE';
        throw e;
      }
      list.forEach((b, i) => bufferArg(`list[${i}]`, b));
      const total = totalLength === undefined ? list.reduce((n, b) => n + b.length, 0) : totalLength;
      const out = new Buffer(total);
      let at = 0;
      for (const b of list) {
        if (at >= total) break;
        const part = b.length > total - at ? b.subarray(0, total - at) : b;
        out.set(part, at);
        at += part.length;
      }
      return out;
    }
    static compare(a, b) { return bufferArg('buf1', a) && Buffer.prototype.compare.call(a, bufferArg('buf2', b)); }
    toString(encoding, start = 0, end = this.length) {
      const s = Math.max(0, start | 0);
      const e = Math.min(this.length, end === undefined ? this.length : end | 0);
      if (e <= s) return '';
      const bytes = new Uint8Array(this.buffer, this.byteOffset + s, e - s);
      const enc = bufferEncoding(encoding);
      return enc === 'utf8' ? host.utf8Decode(bytes, false) : decodeBytes(copyBuffer(bytes), enc);
    }
    toJSON() { return { type: 'Buffer', data: Array.from(this) }; }
    equals(other) { return this.compare(bufferArg('otherBuffer', other)) === 0; }
    compare(other) {
      bufferArg('target', other);
      const n = Math.min(this.length, other.length);
      for (let i = 0; i < n; i++) if (this[i] !== other[i]) return this[i] < other[i] ? -1 : 1;
      return this.length === other.length ? 0 : (this.length < other.length ? -1 : 1);
    }
    // Shares memory, as in Node.
    slice(start, end) { return this.subarray(start, end); }
    subarray(start, end) {
      const view = Uint8Array.prototype.subarray.call(this, start, end);
      return new Buffer(view.buffer, view.byteOffset, view.length);
    }
    fill(value, offset = 0, end = this.length, encoding) {
      if (typeof offset === 'string') { encoding = offset; offset = 0; end = this.length; }
      if (typeof value === 'string') {
        const bytes = value.length === 1 && (encoding === undefined || bufferEncoding(encoding) === 'utf8') && value.charCodeAt(0) < 128
          ? [value.charCodeAt(0)] : bytesOf(dataToBuffer(value, bufferEncoding(encoding)));
        if (bytes.length === 0) return Uint8Array.prototype.fill.call(this, 0, offset, end);
        for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
        return this;
      }
      return Uint8Array.prototype.fill.call(this, Number(value) & 255, offset, end);
    }
    write(string, offset = 0, length, encoding) {
      if (typeof offset === 'string') { encoding = offset; offset = 0; }
      else if (typeof length === 'string') { encoding = length; length = undefined; }
      const bytes = bytesOf(dataToBuffer(String(string), bufferEncoding(encoding)));
      const n = Math.min(bytes.length, this.length - offset, length === undefined ? Infinity : length);
      this.set(bytes.subarray(0, n), offset);
      return n;
    }
    indexOf(value, byteOffset = 0, encoding) {
      if (typeof value === 'number') return Uint8Array.prototype.indexOf.call(this, value & 255, byteOffset);
      const needle = typeof value === 'string' ? bytesOf(dataToBuffer(value, bufferEncoding(encoding))) : bufferArg('value', value);
      const from = byteOffset < 0 ? Math.max(0, this.length + byteOffset) : byteOffset;
      if (needle.length === 0) return Math.min(from, this.length);
      outer: for (let i = from; i <= this.length - needle.length; i++) {
        for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
        return i;
      }
      return -1;
    }
    includes(value, byteOffset, encoding) { return this.indexOf(value, byteOffset, encoding) !== -1; }
    [kCustomInspect]() {
      const shown = Array.from(this.subarray(0, 50), (b) => HEX[b]).join(' ');
      const more = this.length > 50 ? ` ... ${this.length - 50} more byte${this.length - 50 === 1 ? '' : 's'}` : '';
      return `<Buffer${shown ? ' ' + shown : ''}${more}>`;
    }
  }
  // `Buffer.from(...).map(...)` and the like give Buffers too.
  defProp(Buffer, Symbol.species, { get() { return Buffer; }, configurable: true });
  defGlobalIfMissing('Buffer', Buffer);
  const bufferModule = { Buffer, constants: { MAX_LENGTH: 2 ** 32 - 1 } };

  // crypto: Node's createHash and the Web's crypto.subtle.digest, over the guest's native digests.
  const HASHES = { md5: 'md5', sha1: 'sha1', 'sha-1': 'sha1', sha224: 'sha224', 'sha-224': 'sha224',
    sha256: 'sha256', 'sha-256': 'sha256', sha384: 'sha384', 'sha-384': 'sha384', sha512: 'sha512', 'sha-512': 'sha512' };
  const hashBytes = (bytes) => bytes instanceof Uint8Array ? bytes : viewBytes(bytes);
  class Hash {
    #algorithm;
    #chunks = [];
    #done = false;
    constructor(algorithm) { this.#algorithm = algorithm; }
    update(data, inputEncoding) {
      if (this.#done) {
        const e = new Error('Digest already called');
        e.code = 'ERR_CRYPTO_HASH_FINALIZED';
        throw e;
      }
      if (typeof data === 'string') this.#chunks.push(bytesOf(dataToBuffer(data, bufferEncoding(inputEncoding))));
      else {
        const bytes = data !== null && typeof data === 'object' ? hashBytes(data) : null;
        if (!bytes) {
          const e = new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
          e.code = 'ERR_INVALID_ARG_TYPE';
          throw e;
        }
        this.#chunks.push(Uint8Array.from(bytes));
      }
      return this;
    }
    digest(encoding) {
      if (this.#done) {
        const e = new Error('Digest already called');
        e.code = 'ERR_CRYPTO_HASH_FINALIZED';
        throw e;
      }
      this.#done = true;
      const all = Buffer.concat(this.#chunks);
      const out = new Buffer(host.hash(this.#algorithm, all));
      return encoding === undefined || encoding === 'buffer' ? out : out.toString(encoding);
    }
    copy() {
      const c = new Hash(this.#algorithm);
      for (const chunk of this.#chunks) c.update(chunk);
      return c;
    }
  }
  const createHash = named('createHash', (algorithm) => {
    const name = typeof algorithm === 'string' ? HASHES[algorithm.toLowerCase()] : undefined;
    if (name === undefined) {
      if (typeof algorithm !== 'string') {
        const e = new TypeError(`The "algorithm" argument must be of type string. Received ${describeArg(algorithm)}`);
        e.code = 'ERR_INVALID_ARG_TYPE';
        throw e;
      }
      throw new Error(`Digest method not supported: ${algorithm} (the sandbox has md5, sha1, sha224, sha256, sha384, sha512)`);
    }
    return new Hash(name);
  });
  // HMAC (RFC 2104) over the same digests: H((K ^ opad) || H((K ^ ipad) || message)).
  const BLOCK = { md5: 64, sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128 };
  class Hmac extends Hash {
    #outer;
    constructor(algorithm, key) {
      super(algorithm);
      let k = typeof key === 'string' ? bytesOf(dataToBuffer(key, 'utf8')) : (key !== null && typeof key === 'object' ? hashBytes(key) : null);
      if (!k) {
        const e = new TypeError('The "key" argument must be of type string or an instance of Buffer, TypedArray, DataView, or KeyObject.');
        e.code = 'ERR_INVALID_ARG_TYPE';
        throw e;
      }
      const size = BLOCK[algorithm];
      if (k.length > size) k = bytesOf(host.hash(algorithm, Uint8Array.from(k)));
      const inner = new Uint8Array(size);
      const outer = new Uint8Array(size);
      for (let i = 0; i < size; i++) {
        const b = i < k.length ? k[i] : 0;
        inner[i] = b ^ 0x36;
        outer[i] = b ^ 0x5c;
      }
      this.#outer = { algorithm, pad: outer };
      super.update(inner);
    }
    digest(encoding) {
      const { algorithm, pad } = this.#outer;
      const innerDigest = super.digest();
      const out = new Buffer(host.hash(algorithm, Buffer.concat([pad, innerDigest])));
      return encoding === undefined || encoding === 'buffer' ? out : out.toString(encoding);
    }
    copy() { throw new Error('Hmac has no copy(); make a new one with the key'); }
  }
  const createHmac = named('createHmac', (algorithm, key) => {
    const name = typeof algorithm === 'string' ? HASHES[algorithm.toLowerCase()] : undefined;
    if (name === undefined) throw new Error(`Invalid digest: ${safeString(algorithm)} (the sandbox has md5, sha1, sha224, sha256, sha384, sha512)`);
    return new Hmac(name, key);
  });
  const subtle = {
    digest: named('digest', (algorithm, data) => {
      try {
        const raw = typeof algorithm === 'object' && algorithm !== null ? algorithm.name : algorithm;
        const name = typeof raw === 'string' ? HASHES[raw.toLowerCase()] : undefined;
        if (name === undefined || name === 'md5' || name === 'sha224') {
          throw domError('NotSupportedError', 'Unrecognized algorithm name');
        }
        const bytes = data !== null && typeof data === 'object' ? viewBytes(data) : null;
        if (!bytes) throw new TypeError('Failed to execute \'digest\' on \'SubtleCrypto\': 2nd argument is not instance of ArrayBuffer, Buffer, TypedArray, or DataView.');
        return Promise.resolve(host.hash(name, Uint8Array.from(bytes)));
      } catch (e) {
        return Promise.reject(e);
      }
    }),
  };
  if (cryptoObj.subtle === undefined) defProp(cryptoObj, 'subtle', { value: subtle, configurable: true, enumerable: true });
  const cryptoModule = {
    createHash,
    createHmac,
    Hash,
    randomUUID: (...a) => cryptoObj.randomUUID(...a),
    getRandomValues: (ta) => cryptoObj.getRandomValues(ta),
    randomBytes: named('randomBytes', (size) => new Buffer(host.randomBytes(size))),
    getHashes: named('getHashes', () => ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']),
    subtle: cryptoObj.subtle,
    webcrypto: cryptoObj,
  };

  // events: Node's EventEmitter.
  class EventEmitter {
    #events = new Map();
    #max = 10;
    #add(event, listener, prepend, once) {
      if (typeof listener !== 'function') {
        const e = new TypeError(`The "listener" argument must be of type function. Received ${describeArg(listener)}`);
        e.code = 'ERR_INVALID_ARG_TYPE';
        throw e;
      }
      if (this.#events.has('newListener')) this.emit('newListener', event, listener);
      let list = this.#events.get(event);
      if (!list) this.#events.set(event, (list = []));
      const entry = { listener, once };
      if (prepend) list.unshift(entry); else list.push(entry);
      return this;
    }
    on(event, listener) { return this.#add(event, listener, false, false); }
    addListener(event, listener) { return this.#add(event, listener, false, false); }
    prependListener(event, listener) { return this.#add(event, listener, true, false); }
    once(event, listener) { return this.#add(event, listener, false, true); }
    prependOnceListener(event, listener) { return this.#add(event, listener, true, true); }
    off(event, listener) { return this.removeListener(event, listener); }
    removeListener(event, listener) {
      const list = this.#events.get(event);
      if (!list) return this;
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].listener === listener) {
          list.splice(i, 1);
          if (list.length === 0) this.#events.delete(event);
          if (this.#events.has('removeListener')) this.emit('removeListener', event, listener);
          break;
        }
      }
      return this;
    }
    removeAllListeners(event) {
      if (event === undefined) this.#events.clear(); else this.#events.delete(event);
      return this;
    }
    emit(event, ...args) {
      const list = this.#events.get(event);
      if (!list || list.length === 0) {
        if (event === 'error') {
          const err = args[0];
          if (err instanceof Error) throw err;
          const e = new Error(`Unhandled error. (${inspect(err)})`);
          e.code = 'ERR_UNHANDLED_ERROR';
          e.context = err;
          throw e;
        }
        return false;
      }
      for (const entry of list.slice()) {
        if (entry.once) this.removeListener(event, entry.listener);
        entry.listener.apply(this, args);
      }
      return true;
    }
    listenerCount(event) { return (this.#events.get(event) || []).length; }
    listeners(event) { return (this.#events.get(event) || []).map((e) => e.listener); }
    rawListeners(event) { return this.listeners(event); }
    eventNames() { return [...this.#events.keys()]; }
    setMaxListeners(n) { this.#max = n; return this; }
    getMaxListeners() { return this.#max; }
  }
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.once = named('once', (emitter, event) => new Promise((resolve, reject) => {
    const onError = (err) => { emitter.removeListener(event, onEvent); reject(err); };
    const onEvent = (...args) => { if (event !== 'error') emitter.removeListener('error', onError); resolve(args); };
    emitter.once(event, onEvent);
    if (event !== 'error') emitter.once('error', onError);
  }));

  // util: format as console.log formats, inspect as console.log shows values, promisify.
  const kPromisifyCustom = Symbol.for('nodejs.util.promisify.custom');
  const promisify = named('promisify', (fn) => {
    if (typeof fn !== 'function') {
      const e = new TypeError(`The "original" argument must be of type function. Received ${describeArg(fn)}`);
      e.code = 'ERR_INVALID_ARG_TYPE';
      throw e;
    }
    if (typeof fn[kPromisifyCustom] === 'function') return fn[kPromisifyCustom];
    return function promisified(...args) {
      return new Promise((resolve, reject) => {
        fn.call(this, ...args, (err, ...values) => {
          if (err) reject(err);
          else resolve(values.length > 1 ? values : values[0]);
        });
      });
    };
  });
  promisify.custom = kPromisifyCustom;
  const utilModule = {
    format: named('format', (...args) => formatArgs(args)),
    inspect: named('inspect', (value) => inspect(value)),
    promisify,
    inherits: named('inherits', (ctor, superCtor) => {
      Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
      Object.setPrototypeOf(ctor, superCtor);
      defProp(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
    }),
    deprecate: named('deprecate', (fn) => fn),
    types: {
      isPromise: (v) => v instanceof Promise,
      isDate: (v) => objToString(v) === '[object Date]',
      isRegExp: (v) => objToString(v) === '[object RegExp]',
    },
    TextEncoder: G.TextEncoder,
    TextDecoder: G.TextDecoder,
  };
  utilModule.inspect.custom = kCustomInspect;

  // path: Node's POSIX path functions (the sandbox's filesystem is POSIX).
  const pathArg = (name, v) => {
    if (typeof v !== 'string') {
      const e = new TypeError(`The "${name}" argument must be of type string. Received ${v === null ? 'null' : typeof v}`);
      e.code = 'ERR_INVALID_ARG_TYPE';
      throw e;
    }
    return v;
  };
  // Resolves `.` and `..` segments of a path without its root; `..` above the start is kept
  // only for relative paths.
  const normalizeSegments = (p, aboveRoot) => {
    const out = [];
    for (const seg of p.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
        else if (aboveRoot) out.push('..');
      } else out.push(seg);
    }
    return out.join('/');
  };
  const path = {
    sep: '/',
    delimiter: ':',
    normalize: named('normalize', (p) => {
      pathArg('path', p);
      if (p === '') return '.';
      const abs = p[0] === '/';
      const trailing = p[p.length - 1] === '/';
      let out = normalizeSegments(p, !abs);
      if (out === '') {
        if (abs) return '/';
        return trailing ? './' : '.';
      }
      if (trailing) out += '/';
      return abs ? `/${out}` : out;
    }),
    join: named('join', (...parts) => {
      for (const part of parts) pathArg('path', part);
      const joined = parts.filter((part) => part !== '').join('/');
      return joined === '' ? '.' : path.normalize(joined);
    }),
    resolve: named('resolve', (...parts) => {
      let resolved = '';
      let abs = false;
      for (let i = parts.length - 1; i >= -1 && !abs; i--) {
        // A run starts in /workspace (node-style runs carry their own cwd).
        const part = i >= 0 ? pathArg('paths[' + i + ']', parts[i]) : (fsCwd || '/workspace');
        if (part === '') continue;
        resolved = `${part}/${resolved}`;
        abs = part[0] === '/';
      }
      const out = normalizeSegments(resolved, !abs);
      if (abs) return `/${out}`;
      return out === '' ? '.' : out;
    }),
    isAbsolute: named('isAbsolute', (p) => pathArg('path', p).length > 0 && p[0] === '/'),
    dirname: named('dirname', (p) => {
      pathArg('path', p);
      if (p === '') return '.';
      const root = p[0] === '/';
      let end = -1;
      let slashes = true;
      for (let i = p.length - 1; i >= 1; i--) {
        if (p[i] === '/') {
          if (!slashes) { end = i; break; }
        } else slashes = false;
      }
      if (end === -1) return root ? '/' : '.';
      if (root && end === 1) return '//';
      return p.slice(0, end);
    }),
    basename: named('basename', (p, ext) => {
      pathArg('path', p);
      if (ext !== undefined) pathArg('ext', ext);
      // As Node: an extension that is the whole path leaves nothing.
      if (ext !== undefined && ext !== '' && ext === p) return '';
      let end = p.length;
      while (end > 0 && p[end - 1] === '/') end--;
      if (end === 0) return '';
      const start = p.lastIndexOf('/', end - 1) + 1;
      const base = p.slice(start, end);
      if (ext !== undefined && ext !== '' && ext !== base && base.endsWith(ext)) {
        return base.slice(0, base.length - ext.length);
      }
      return base;
    }),
    extname: named('extname', (p) => {
      const base = path.basename(p);
      const dot = base.lastIndexOf('.');
      if (dot <= 0 || base === '..') return '';
      return base.slice(dot);
    }),
    relative: named('relative', (from, to) => {
      pathArg('from', from);
      pathArg('to', to);
      if (from === to) return '';
      const a = path.resolve(from);
      const b = path.resolve(to);
      if (a === b) return '';
      const fromParts = a === '/' ? [] : a.slice(1).split('/');
      const toParts = b === '/' ? [] : b.slice(1).split('/');
      let common = 0;
      while (common < fromParts.length && common < toParts.length
        && fromParts[common] === toParts[common]) common++;
      const up = fromParts.slice(common).map(() => '..');
      return up.concat(toParts.slice(common)).join('/');
    }),
    parse: named('parse', (p) => {
      pathArg('path', p);
      const root = p[0] === '/' ? '/' : '';
      if (p === '' || p === root) return { root, dir: root, base: '', ext: '', name: '' };
      const base = path.basename(p);
      const ext = path.extname(p);
      let end = p.length;
      while (end > 1 && p[end - 1] === '/') end--;
      const dir = p.slice(0, end).includes('/') ? path.dirname(p) : '';
      return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
    }),
    format: named('format', (obj) => {
      if (obj === null || typeof obj !== 'object') {
        const e = new TypeError(`The "pathObject" argument must be of type object. Received ${obj === null ? 'null' : typeof obj}`);
        e.code = 'ERR_INVALID_ARG_TYPE';
        throw e;
      }
      const dir = obj.dir || obj.root;
      const base = obj.base || `${obj.name || ''}${obj.ext ? (obj.ext[0] === '.' ? '' : '.') + obj.ext : ''}`;
      if (!dir) return base;
      return dir === obj.root ? `${dir}${base}` : `${dir}/${base}`;
    }),
    toNamespacedPath: named('toNamespacedPath', (p) => p),
  };
  path.posix = path;

  // Node's modules `require` knows (src/modules.rs offers the same ones to `import`); other
  // names go to the bundled npm packages, whose miss is Node's MODULE_NOT_FOUND with a list of
  // what there is.
  const timersPromises = {
    setTimeout: named('setTimeout', (ms, value) => new Promise((resolve) => G.setTimeout(() => resolve(value), ms))),
    setImmediate: named('setImmediate', (value) => new Promise((resolve) => G.setTimeout(() => resolve(value), 0))),
  };
  const fileURLToPath = named('fileURLToPath', (u) => {
    const url = typeof u === 'string' ? new URL(u) : u;
    if (!url || url.protocol !== 'file:') {
      const e = new TypeError('The URL must be of scheme file');
      e.code = 'ERR_INVALID_URL_SCHEME';
      throw e;
    }
    return decodeURIComponent(url.pathname);
  });
  const pathToFileURL = named('pathToFileURL', (p) => new URL('file://' + encodeURI(path.resolve(p))));
  const urlModule = { URL, URLSearchParams, fileURLToPath, pathToFileURL };
  const requireFn = function require(id) {
    const name = typeof id === 'string' ? id : safeString(id);
    switch (name) {
      case 'fs': case 'node:fs': case 'fs/promises': case 'node:fs/promises': return fs;
      case 'path': case 'node:path': case 'path/posix': case 'node:path/posix': return path;
      case 'buffer': case 'node:buffer': return bufferModule;
      case 'crypto': case 'node:crypto': return cryptoModule;
      case 'events': case 'node:events': return EventEmitter;
      case 'util': case 'node:util': return utilModule;
      case 'process': case 'node:process': return G.process;
      case 'url': case 'node:url': return urlModule;
      case 'timers/promises': case 'node:timers/promises': return timersPromises;
    }
    return host.requirePackage(name);
  };
  defGlobal('require', requireFn);
  // `path` is a global as well, as `fs` is (and as in `node -e`): scripts reach for `path.join`
  // without a require.
  defGlobal('path', path);


  // ---------------------------------------------------------------------------
  // 10. Tools
  // ---------------------------------------------------------------------------
  // A call only queues: when the script has nothing left to do but wait, the event loop hands
  // every queued call to the host in one batch (`toolsFlush`), so `Promise.all` over tool calls
  // runs them concurrently on the host. Every check (schema, policy, budgets) is the host's.
  let toolQueue = [];
  let callLines = false;
  let toolNamespaces = new Set();
  // Characters per batch sent at once (the host takes at most 8 MiB of UTF-8 per batch).
  const TOOL_BATCH_CHARS = 2 * 1024 * 1024;
  const TOOL_CODES = { EPOLICY: 'PolicyDenied', EAPPROVAL: 'ApprovalDenied', EDENIED: 'LayerDenied' };

  function toolError(tool, code, message, line) {
    const name = TOOL_CODES[code] || 'ToolError';
    let text = safeString(message);
    // The host's denial starts with "PolicyDenied: "; the error's name says it already.
    if (text.startsWith(name + ': ')) text = text.slice(name.length + 2);
    const e = new Error(text);
    try { defProp(e, 'name', { value: name, writable: true, enumerable: false, configurable: true }); } catch { /* frozen */ }
    e.code = code;
    e.tool = tool;
    if (line) e.stack = `    at ${tool} (${scriptName}:${line})`;
    return e;
  }
  // The user's line that made the call, for the journal and for error traces.
  function callerLine() {
    if (!scriptName) return 0;
    const stack = new Error().stack || '';
    const needle = scriptName + ':';
    const at = stack.indexOf(needle);
    if (at === -1) return 0;
    const m = /^\d+/.exec(stack.slice(at + needle.length));
    return m ? Number(m[0]) : 0;
  }
  function callTool(name, args) {
    const tool = safeString(name);
    if (args === undefined) args = {};
    let json;
    try { json = jsonStr(args); } catch (e) {
      return Promise.reject(toolError(tool, 'EINVAL', `${tool}: the arguments cannot be sent as JSON: ${safeString(e && e.message)}`));
    }
    if (json === undefined) json = 'null';
    const line = callLines ? callerLine() : 0;
    return new Promise((resolve, reject) => { toolQueue.push({ tool, json, line, resolve, reject }); });
  }
  function settle(calls, res) {
    let outcomes = null;
    if (res[0]) {
      try { outcomes = JSON.parse(res[1]); } catch { /* answered below */ }
    } else {
      let info = null;
      try { info = JSON.parse(res[1]); } catch { /* not JSON */ }
      info = info && typeof info === 'object' ? info : { code: 'EIO', message: 'the host refused the tool calls' };
      for (const c of calls) c.reject(toolError(c.tool, info.code || 'EIO', info.message, c.line));
      return;
    }
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i];
      const o = isArray(outcomes) ? outcomes[i] : outcomes;
      if (o && o.ok === true) c.resolve(o.value);
      else if (o && typeof o === 'object') {
        const e = toolError(c.tool, o.code || 'EIO', o.message, c.line);
        if (o.data !== undefined) e.data = o.data;
        c.reject(e);
      }
      else c.reject(toolError(c.tool, 'EIO', `${c.tool}: the host gave no answer for this call`, c.line));
    }
  }
  function toolsFlush() {
    if (toolQueue.length === 0) return false;
    const batch = toolQueue;
    toolQueue = [];
    let start = 0;
    while (start < batch.length) {
      const parts = [];
      let size = 2, end = start;
      while (end < batch.length) {
        const c = batch[end];
        const part = '{"tool":' + jsonStr(c.tool) + ',"args":' + c.json + (c.line ? ',"line":' + c.line : '') + '}';
        if (parts.length > 0 && size + part.length > TOOL_BATCH_CHARS) break;
        parts.push(part);
        size += part.length + 1;
        end++;
      }
      settle(batch.slice(start, end), host.callText('tool.call', '[' + parts.join(',') + ']'));
      start = end;
    }
    return true;
  }
  function toolStub(full) {
    const stub = { [full]: function (args) { return callTool(full, args); } }[full];
    try { defProp(stub, 'name', { value: full }); } catch { /* keep the default */ }
    return stub;
  }
  // One function per tool, flat (`stripe_charges_create`) and as a namespace path
  // (`stripe.charges.create`); names the script's globals already use are left alone.
  function installTools(names) {
    toolNamespaces = new Set();
    for (const full of names) {
      if (!full) continue;
      const segs = full.split(/[\/.]/).map((seg) => seg.replace(/-/g, '_'));
      const stub = toolStub(full);
      const flat = segs.join('_');
      if (!(flat in G)) defGlobal(flat, stub);
      if (segs.length < 2) continue;
      const root = segs[0];
      if (!toolNamespaces.has(root)) {
        if (root in G) continue;
        defGlobal(root, {});
        toolNamespaces.add(root);
      }
      let obj = G[root];
      for (let i = 1; i < segs.length - 1; i++) {
        const seg = segs[i];
        if (obj[seg] === undefined) obj[seg] = {};
        obj = obj[seg];
        if (obj === null || typeof obj !== 'object') break;
      }
      if (obj !== null && typeof obj === 'object' && obj[segs[segs.length - 1]] === undefined) obj[segs[segs.length - 1]] = stub;
    }
  }
  let toolList = null;
  function listTools() {
    if (toolList === null) {
      const res = host.callText('tool.list', '');
      toolList = res[0] ? JSON.parse(res[1]) : [];
    }
    return toolList;
  }
  const sameTool = (a, b) => a.replace(/\./g, '/') === b.replace(/\./g, '/');
  // The shell, on the same filesystem: `await shell('ls | wc -l')` gives
  // `{ stdout, stderr, exitCode }`; `await shell.run(cmd)` gives stdout or rejects.
  function runShell(cmd, options) {
    const script = safeString(cmd);
    let stdin = '';
    if (options !== null && typeof options === 'object' && options.stdin !== undefined) stdin = safeString(options.stdin);
    const res = host.shell(script, stdin);
    return { stdout: res[1], stderr: res[2], exitCode: res[0] };
  }
  const shellFn = async function shell(cmd, options) { return runShell(cmd, options); };
  shellFn.run = async function run(cmd, options) {
    const out = runShell(cmd, options);
    if (out.exitCode !== 0) {
      const e = new Error(`command failed with exit code ${out.exitCode}: ${out.stderr.trim() || safeString(cmd)}`);
      e.code = 'ESHELL';
      e.exitCode = out.exitCode;
      e.stdout = out.stdout;
      e.stderr = out.stderr;
      throw e;
    }
    return out.stdout;
  };
  defGlobal('shell', shellFn);

  defGlobal('tools', {
    /** Every tool this script may call: `{ name, description, inputSchema, outputSchema? }`. */
    list() { return JSON.parse(jsonStr(listTools())); },
    /** One tool's description, or undefined. */
    describe(name) {
      const t = listTools().find((x) => sameTool(x.name, safeString(name)));
      return t === undefined ? undefined : JSON.parse(jsonStr(t));
    },
    /** Calls a tool by name: the same as its function. */
    call(name, args) { return callTool(name, args); },
  });

  // ---------------------------------------------------------------------------
  // 10b. fetch, Headers, Request, Response, AbortController (WHATWG shapes)
  // ---------------------------------------------------------------------------
  // The guest has no sockets: a request is a call of the host's `http/fetch` tool, so it passes
  // the schema, the policy, the layers and the journal like any tool call, and the host checks
  // every hop against [network]. Bodies travel as UTF-8 text, or base64 when they are bytes.
  const kInternal = Symbol('internal');
  const kSignal = Symbol('signal');
  const abortReason = () => domError('AbortError', 'This operation was aborted');
  class AbortSignal {
    constructor(key) {
      if (key !== kInternal) throw new TypeError('Illegal constructor');
      defProp(this, kSignal, { value: { aborted: false, reason: undefined, listeners: [], deadline: Infinity } });
      this.onabort = null;
    }
    get aborted() { return this[kSignal].aborted; }
    get reason() { return this[kSignal].reason; }
    throwIfAborted() { if (this[kSignal].aborted) throw this[kSignal].reason; }
    addEventListener(type, fn, options) {
      if (type !== 'abort' || typeof fn !== 'function') return;
      const once = options !== null && typeof options === 'object' && options.once === true;
      this[kSignal].listeners.push({ fn, once });
    }
    removeEventListener(type, fn) {
      const s = this[kSignal];
      s.listeners = s.listeners.filter((l) => l.fn !== fn);
    }
    static abort(reason) {
      const s = new AbortSignal(kInternal);
      signalAbort(s, reason);
      return s;
    }
    static timeout(ms) {
      const delay = Number(ms);
      if (!(delay >= 0)) throw new TypeError(`The "delay" argument must be a non-negative number. Received ${describeArg(ms)}`);
      const s = new AbortSignal(kInternal);
      s[kSignal].deadline = host.monotonic() + delay;
      G.setTimeout(() => signalAbort(s, domError('TimeoutError', 'The operation was aborted due to timeout')), delay).unref();
      return s;
    }
    static any(signals) {
      const s = new AbortSignal(kInternal);
      for (const other of signals) {
        if (other.aborted) { signalAbort(s, other.reason); return s; }
        s[kSignal].deadline = Math.min(s[kSignal].deadline, other[kSignal] ? other[kSignal].deadline : Infinity);
        other.addEventListener('abort', () => signalAbort(s, other.reason), { once: true });
      }
      return s;
    }
  }
  defProp(AbortSignal.prototype, Symbol.toStringTag, { value: 'AbortSignal', configurable: true });
  function signalAbort(signal, reason) {
    const s = signal[kSignal];
    if (s.aborted) return;
    s.aborted = true;
    s.reason = reason === undefined ? abortReason() : reason;
    const event = { type: 'abort', target: signal, currentTarget: signal };
    const listeners = s.listeners;
    s.listeners = listeners.filter((l) => !l.once);
    if (typeof signal.onabort === 'function') { try { signal.onabort(event); } catch (e) { write(2, formatError(e) + '\n'); } }
    for (const l of listeners) { try { l.fn.call(signal, event); } catch (e) { write(2, formatError(e) + '\n'); } }
  }
  class AbortController {
    constructor() { defProp(this, 'signal', { value: new AbortSignal(kInternal), enumerable: true }); }
    abort(reason) { signalAbort(this.signal, reason); }
  }
  defProp(AbortController.prototype, Symbol.toStringTag, { value: 'AbortController', configurable: true });
  defGlobalIfMissing('AbortSignal', AbortSignal);
  defGlobalIfMissing('AbortController', AbortController);

  const kHeaders = Symbol('headers');
  const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const headerName = (n) => {
    const name = safeString(n);
    if (!HEADER_NAME.test(name)) throw new TypeError(`Headers: invalid header name "${name}"`);
    return name.toLowerCase();
  };
  const headerValue = (v) => {
    const value = safeString(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
    if (/[\0\r\n]/.test(value)) throw new TypeError(`Headers: invalid header value "${value}"`);
    return value;
  };
  class Headers {
    constructor(init) {
      defProp(this, kHeaders, { value: [] });
      if (init === undefined || init === null) return;
      if (init instanceof Headers) { for (const [k, v] of init[kHeaders]) this[kHeaders].push([k, v]); return; }
      if (typeof init !== 'object') throw new TypeError('Headers: the init must be an object, an array of [name, value] pairs, or Headers');
      if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError('Headers: each header pair must be [name, value]');
          this.append(p[0], p[1]);
        }
        return;
      }
      for (const k of objectKeys(init)) this.append(k, init[k]);
    }
    append(name, value) { this[kHeaders].push([headerName(name), headerValue(value)]); }
    set(name, value) {
      const n = headerName(name), v = headerValue(value), list = this[kHeaders];
      const at = list.findIndex((h) => h[0] === n);
      if (at === -1) { list.push([n, v]); return; }
      list[at][1] = v;
      for (let i = list.length - 1; i > at; i--) if (list[i][0] === n) list.splice(i, 1);
    }
    get(name) {
      const n = headerName(name);
      const values = this[kHeaders].filter((h) => h[0] === n).map((h) => h[1]);
      return values.length === 0 ? null : values.join(', ');
    }
    getSetCookie() { return this[kHeaders].filter((h) => h[0] === 'set-cookie').map((h) => h[1]); }
    has(name) { const n = headerName(name); return this[kHeaders].some((h) => h[0] === n); }
    delete(name) {
      const n = headerName(name), list = this[kHeaders];
      for (let i = list.length - 1; i >= 0; i--) if (list[i][0] === n) list.splice(i, 1);
    }
    // As the standard: sorted by name, values of one name combined (set-cookie kept apart).
    *entries() {
      const names = [...new Set(this[kHeaders].map((h) => h[0]))].sort();
      for (const n of names) {
        if (n === 'set-cookie') { for (const v of this.getSetCookie()) yield [n, v]; }
        else yield [n, this.get(n)];
      }
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    forEach(fn, thisArg) { for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
  }
  defProp(Headers.prototype, Symbol.toStringTag, { value: 'Headers', configurable: true });
  defGlobalIfMissing('Headers', Headers);

  // A body as the host carries it: { text } or { bytes }, and the content type it implies.
  const utf8Encode = (s) => new G.TextEncoder().encode(s);
  const utf8Decode = (b) => new G.TextDecoder().decode(b);
  function extractBody(body) {
    if (body === undefined || body === null) return null;
    if (typeof body === 'string') return { text: body, type: 'text/plain;charset=UTF-8' };
    if (body instanceof G.URLSearchParams) return { text: body.toString(), type: 'application/x-www-form-urlencoded;charset=UTF-8' };
    const bytes = viewBytes(body);
    if (bytes) return { bytes: new Uint8Array(bytes), type: null };
    return { text: safeString(body), type: 'text/plain;charset=UTF-8' };
  }
  const kBody = Symbol('body');
  // What Request and Response share: a body read once, as text, JSON or bytes.
  const bodyMixin = {
    get bodyUsed() { return this[kBody].used; },
    text() { return takeBody(this).then((b) => (b.text !== undefined ? b.text : utf8Decode(b.bytes))); },
    json() { return this.text().then((t) => JSON.parse(t)); },
    arrayBuffer() { return this.bytes().then((b) => b.buffer); },
    bytes() { return takeBody(this).then((b) => (b.bytes !== undefined ? new Uint8Array(b.bytes) : utf8Encode(b.text))); },
  };
  function takeBody(owner) {
    const b = owner[kBody];
    if (b.used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    b.used = true;
    return Promise.resolve(b.data || { text: '' });
  }
  const installBody = (proto) => {
    const descs = Object.getOwnPropertyDescriptors(bodyMixin);
    for (const k of objectKeys(descs)) { descs[k].enumerable = false; defProp(proto, k, descs[k]); }
  };

  const STANDARD_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'];
  const normMethod = (m) => {
    const method = safeString(m);
    if (!HEADER_NAME.test(method)) throw new TypeError(`'${method}' is not a valid HTTP method.`);
    const upper = method.toUpperCase();
    return STANDARD_METHODS.includes(upper) ? upper : method;
  };
  const parseFetchURL = (input) => {
    try { return new G.URL(safeString(input)).href; } catch (cause) {
      const e = new TypeError(`Failed to parse URL from ${safeString(input)}`);
      e.cause = cause;
      throw e;
    }
  };
  class Request {
    constructor(input, init) {
      const from = input instanceof Request ? input : null;
      init = init === undefined || init === null ? {} : init;
      this.url = from ? from.url : parseFetchURL(input);
      this.method = init.method !== undefined ? normMethod(init.method) : from ? from.method : 'GET';
      this.headers = new Headers(init.headers !== undefined ? init.headers : from ? from.headers : undefined);
      this.redirect = init.redirect !== undefined ? safeString(init.redirect) : from ? from.redirect : 'follow';
      this.signal = init.signal !== undefined && init.signal !== null ? init.signal : from ? from.signal : new AbortSignal(kInternal);
      const body = init.body !== undefined ? extractBody(init.body) : from ? from[kBody].data : null;
      if (body && (this.method === 'GET' || this.method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
      if (body && body.type && !this.headers.has('content-type')) this.headers.set('content-type', body.type);
      defProp(this, kBody, { value: { data: body, used: false } });
    }
    clone() { return new Request(this); }
  }
  installBody(Request.prototype);
  defProp(Request.prototype, Symbol.toStringTag, { value: 'Request', configurable: true });
  defGlobalIfMissing('Request', Request);

  const NULL_BODY_STATUS = [101, 103, 204, 205, 304];
  class Response {
    constructor(body, init) {
      init = init === undefined || init === null ? {} : init;
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!(Number.isInteger(status) && status >= 200 && status <= 599)) {
        throw new RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
      }
      const data = extractBody(body);
      if (data && NULL_BODY_STATUS.includes(status)) throw new TypeError('Response constructor: Invalid response status code ' + status);
      this.status = status;
      this.statusText = init.statusText === undefined ? '' : safeString(init.statusText);
      this.headers = new Headers(init.headers);
      if (data && data.type && !this.headers.has('content-type')) this.headers.set('content-type', data.type);
      this.url = '';
      this.redirected = false;
      this.type = 'default';
      defProp(this, kBody, { value: { data, used: false } });
    }
    get ok() { return this.status >= 200 && this.status <= 299; }
    clone() {
      if (this[kBody].used) throw new TypeError('Response.clone: Body has already been consumed.');
      const copy = Object.create(Response.prototype);
      for (const k of ['status', 'statusText', 'url', 'redirected', 'type']) copy[k] = this[k];
      copy.headers = new Headers(this.headers);
      defProp(copy, kBody, { value: { data: this[kBody].data, used: false } });
      return copy;
    }
    static json(data, init) {
      const text = jsonStr(data);
      if (text === undefined) throw new TypeError('Value is not JSON serializable');
      const r = new Response(text, init);
      r.headers.set('content-type', 'application/json');
      return r;
    }
    static error() {
      const r = Object.create(Response.prototype);
      Object.assign(r, { status: 0, statusText: '', url: '', redirected: false, type: 'error', headers: new Headers() });
      defProp(r, kBody, { value: { data: null, used: false } });
      return r;
    }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Invalid status code ${status}`);
      return new Response(null, { status, headers: { location: parseFetchURL(url) } });
    }
  }
  installBody(Response.prototype);
  defProp(Response.prototype, Symbol.toStringTag, { value: 'Response', configurable: true });
  defGlobalIfMissing('Response', Response);

  // Node's message is a bare "fetch failed"; the reason goes into it too, so a script's log of
  // `e.message` says what went wrong. `code` and `cause` carry the host's error.
  function fetchFailed(e) {
    let reason = safeString(e && e.message);
    let code = e && e.code;
    if (code === 'ENOENT' && e.tool === 'http/fetch') {
      code = 'EPOLICY';
      reason = 'this sandbox has no network: the operator turns it on with a [network] section in airlock.toml that allows the host';
    }
    const err = new TypeError(`fetch failed: ${reason}`);
    err.code = code;
    err.cause = e;
    return err;
  }
  // Headers from the host's [name, value] pairs: already lower-case and valid.
  function hostHeaders(pairs) {
    const h = new Headers();
    const list = h[kHeaders];
    if (isArray(pairs)) for (const p of pairs) list.push([p[0], p[1]]);
    return h;
  }
  function fetchResponse(r) {
    const res = Object.create(Response.prototype);
    res.status = r.status;
    res.statusText = r.statusText;
    res.headers = hostHeaders(r.headers);
    res.url = r.url;
    res.redirected = r.redirected === true;
    res.type = 'basic';
    const data = r.bodyEncoding === 'base64' ? { bytes: base64ToBytes(r.body) } : { text: r.body };
    defProp(res, kBody, { value: { data, used: false } });
    return res;
  }
  // The call's arguments from fetch's (input, init); throws what Node's fetch rejects with.
  // A string URL is not parsed here: the host parses and normalises it (the response's `url`).
  function fetchArgs(input, init) {
    if (typeof input !== 'string' && !(input instanceof G.URL)) {
      const req = new Request(input, init);
      const args = { url: req.url, method: req.method.toUpperCase(), signal: req.signal, redirect: req.redirect };
      const headers = {};
      for (const [k, v] of req.headers) headers[k] = v;
      return Object.assign(args, { headers, body: req[kBody].data });
    }
    const o = init === undefined || init === null ? {} : init;
    const method = o.method === undefined ? 'GET' : normMethod(o.method).toUpperCase();
    const headers = {};
    const given = o.headers;
    if (given !== undefined && given !== null) {
      if (typeof given === 'object' && !(given instanceof Headers) && typeof given[Symbol.iterator] !== 'function') {
        for (const k of objectKeys(given)) {
          const n = headerName(k), v = headerValue(given[k]);
          headers[n] = n in headers ? `${headers[n]}, ${v}` : v;
        }
      } else {
        for (const [k, v] of new Headers(given)) headers[k] = v;
      }
    }
    const body = o.body === undefined ? null : extractBody(o.body);
    if (body && (method === 'GET' || method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
    if (body && body.type && !('content-type' in headers)) headers['content-type'] = body.type;
    const signal = o.signal === undefined || o.signal === null ? null : o.signal;
    const redirect = o.redirect === undefined ? 'follow' : safeString(o.redirect);
    return { url: typeof input === 'string' ? input : input.href, method, headers, body, signal, redirect };
  }
  const fetchFn = function fetch(input, init) {
    let a;
    try { a = fetchArgs(input, init); } catch (e) { return Promise.reject(e); }
    const signal = a.signal;
    if (signal && signal.aborted) return Promise.reject(signal.reason);
    const args = { url: a.url, method: a.method };
    for (const k in a.headers) { args.headers = a.headers; break; }
    const body = a.body;
    if (body) {
      if (body.text !== undefined) args.body = body.text;
      else { args.body = bytesToBase64(body.bytes); args.bodyEncoding = 'base64'; }
    }
    if (a.redirect !== 'follow') args.redirect = a.redirect;
    const deadline = signal && signal[kSignal] ? signal[kSignal].deadline : Infinity;
    if (deadline !== Infinity) args.timeoutMs = Math.max(1, Math.ceil(deadline - host.monotonic()));
    const call = callTool('http/fetch', args);
    if (!signal) return promiseThen(call, fetchResponse, (e) => { throw fetchFailed(e); });
    return new Promise((resolve, reject) => {
      let done = false;
      const onAbort = () => { if (!done) { done = true; reject(signal.reason); } };
      signal.addEventListener('abort', onAbort, { once: true });
      promiseThen(call, (r) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        try { resolve(fetchResponse(r)); } catch (e) { reject(fetchFailed(e)); }
      }, (e) => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        // The host gave up at the signal's own deadline: the signal's timeout, as in Node.
        if (e && e.code === 'ETIMEDOUT' && deadline !== Infinity && host.monotonic() >= deadline - 5) {
          signalAbort(signal, domError('TimeoutError', 'The operation was aborted due to timeout'));
          reject(signal.reason);
          return;
        }
        reject(fetchFailed(e));
      });
    });
  };
  defGlobal('fetch', fetchFn);

  // ---------------------------------------------------------------------------
  // 10c. Intl (en-US) and the locale-sensitive methods
  // ---------------------------------------------------------------------------
  // QuickJS has no Intl. This is the en-US subset report-writing scripts use, with ICU's
  // output as Node gives it: NumberFormat (decimal, percent, currency, compact), DateTimeFormat
  // (styles and components, in UTC: the sandbox's only time zone), Collator and localeCompare,
  // PluralRules, RelativeTimeFormat and ListFormat. Every locale formats as en-US.
  const LOCALE = 'en-US';
  const optionsOf = (o) => (o === undefined ? {} : o === null || typeof o !== 'object' ? Object(o) : o);
  const pick = (o, key, allowed, dflt) => {
    const v = o[key];
    if (v === undefined) return dflt;
    const s = safeString(v);
    if (allowed && !allowed.includes(s)) throw new RangeError(`Value ${s} out of range for Intl options property ${key}`);
    return s;
  };
  const digitOpt = (o, key, min, max, dflt) => {
    const v = o[key];
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!(n >= min && n <= max)) throw new RangeError(`${key} value is out of range.`);
    return Math.floor(n);
  };
  const boundGetter = (proto, name, impl) => {
    const cache = new WeakMap();
    defProp(proto, name, {
      configurable: true,
      get() {
        let f = cache.get(this);
        if (!f) { f = impl.bind(this); cache.set(this, f); }
        return f;
      },
    });
  };

  // Numbers are rounded on their shortest decimal form, as ICU does (1.005 -> "1.01").
  function decimalOf(x) {
    if (typeof x === 'bigint') return { int: String(x < 0n ? -x : x), frac: '' };
    let s = String(Math.abs(x));
    let exp = 0;
    const e = s.indexOf('e');
    if (e !== -1) { exp = Number(s.slice(e + 1)); s = s.slice(0, e); }
    const dot = s.indexOf('.');
    let digits = dot === -1 ? s : s.slice(0, dot) + s.slice(dot + 1);
    let point = (dot === -1 ? s.length : dot) + exp;
    if (point <= 0) { digits = '0'.repeat(1 - point) + digits; point = 1; }
    if (point > digits.length) digits += '0'.repeat(point - digits.length);
    return { int: digits.slice(0, point).replace(/^0+(?=\d)/, ''), frac: digits.slice(point) };
  }
  function incDigits(s) {
    const a = s.split('');
    let i = a.length - 1;
    for (; i >= 0; i--) {
      if (a[i] === '9') a[i] = '0';
      else { a[i] = String.fromCharCode(a[i].charCodeAt(0) + 1); break; }
    }
    if (i < 0) a.unshift('1');
    return a.join('');
  }
  // Half away from zero (ICU's halfExpand).
  function roundFrac(d, maxFrac) {
    if (d.frac.length <= maxFrac) return d;
    const keep = d.frac.slice(0, maxFrac);
    let digits = d.int + keep;
    if (d.frac.charCodeAt(maxFrac) >= 53) digits = incDigits(digits);
    const intLen = digits.length - keep.length;
    return { int: digits.slice(0, intLen), frac: digits.slice(intLen) };
  }
  function roundSig(d, maxSig) {
    const all = d.int + d.frac;
    let lead = 0;
    while (lead < all.length && all[lead] === '0') lead++;
    if (lead === all.length) return d;
    const cut = lead + maxSig;
    if (cut >= all.length) return d;
    if (cut >= d.int.length) return roundFrac(d, cut - d.int.length);
    let digits = all.slice(0, cut);
    if (all.charCodeAt(cut) >= 53) digits = incDigits(digits);
    return { int: digits + '0'.repeat(d.int.length - cut), frac: '' };
  }
  const shift = (d, places) => { // multiply by 10^places (places >= 0) or divide (< 0)
    if (places >= 0) {
      const frac = d.frac + '0'.repeat(Math.max(0, places - d.frac.length));
      return { int: (d.int + frac.slice(0, places)).replace(/^0+(?=\d)/, ''), frac: frac.slice(places) };
    }
    const n = -places;
    const int = '0'.repeat(Math.max(0, n - d.int.length + 1)) + d.int;
    return { int: int.slice(0, int.length - n).replace(/^0+(?=\d)/, ''), frac: int.slice(int.length - n) + d.frac };
  };
  const isZero = (d) => /^0*$/.test(d.int + d.frac);
  const group = (int) => int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

  const CURRENCY_SYMBOLS = {
    USD: '$', EUR: '€', GBP: '£', JPY: '¥', INR: '₹', CNY: 'CN¥', CAD: 'CA$', AUD: 'A$', KRW: '₩',
    BRL: 'R$', MXN: 'MX$', ILS: '₪', VND: '₫', NZD: 'NZ$', HKD: 'HK$', TWD: 'NT$', XAF: 'FCFA', PHP: '₱',
  };
  const NARROW_SYMBOLS = { CAD: '$', AUD: '$', MXN: '$', NZD: '$', HKD: '$', TWD: '$', CNY: '¥', BRL: 'R$' };
  const ZERO_DIGIT_CURRENCIES = ['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'XOF', 'PYG'];
  const COMPACT = [[12, 'T', 'trillion'], [9, 'B', 'billion'], [6, 'M', 'million'], [3, 'K', 'thousand']];

  class NumberFormat {
    constructor(locales, options) {
      const o = optionsOf(options);
      const style = pick(o, 'style', ['decimal', 'percent', 'currency', 'unit'], 'decimal');
      if (style === 'unit') throw new RangeError('Intl.NumberFormat: style "unit" is not available in the sandbox (decimal, percent and currency are)');
      let currency;
      if (style === 'currency') {
        if (o.currency === undefined) throw new TypeError('Currency code is required with currency style.');
        currency = safeString(o.currency).toUpperCase();
        if (!/^[A-Z]{3}$/.test(currency)) throw new RangeError(`Invalid currency code : ${safeString(o.currency)}`);
      }
      const cDigits = currency && ZERO_DIGIT_CURRENCIES.includes(currency) ? 0 : 2;
      const notation = pick(o, 'notation', ['standard', 'compact', 'scientific', 'engineering'], 'standard');
      if (notation === 'scientific' || notation === 'engineering') throw new RangeError(`Intl.NumberFormat: notation "${notation}" is not available in the sandbox (standard and compact are)`);
      const dMin = style === 'currency' && notation === 'standard' ? cDigits : 0;
      const dMax = style === 'currency' && notation === 'standard' ? cDigits : style === 'percent' || notation === 'compact' ? 0 : 3;
      let minF = digitOpt(o, 'minimumFractionDigits', 0, 100, undefined);
      let maxF = digitOpt(o, 'maximumFractionDigits', 0, 100, undefined);
      if (minF !== undefined && maxF !== undefined && minF > maxF) throw new RangeError('maximumFractionDigits value is out of range.');
      if (minF === undefined) minF = Math.min(dMin, maxF === undefined ? dMin : maxF);
      if (maxF === undefined) maxF = Math.max(dMax, minF);
      const minSig = digitOpt(o, 'minimumSignificantDigits', 1, 21, undefined);
      const maxSig = digitOpt(o, 'maximumSignificantDigits', 1, 21, undefined);
      this._o = {
        style, currency, notation,
        currencyDisplay: pick(o, 'currencyDisplay', ['symbol', 'narrowSymbol', 'code', 'name'], 'symbol'),
        currencySign: pick(o, 'currencySign', ['standard', 'accounting'], 'standard'),
        compactDisplay: pick(o, 'compactDisplay', ['short', 'long'], 'short'),
        signDisplay: pick(o, 'signDisplay', ['auto', 'never', 'always', 'exceptZero', 'negative'], 'auto'),
        useGrouping: o.useGrouping === undefined ? true : o.useGrouping !== false && o.useGrouping !== 'false',
        minimumIntegerDigits: digitOpt(o, 'minimumIntegerDigits', 1, 21, 1),
        minimumFractionDigits: minF,
        maximumFractionDigits: maxF,
        sig: minSig !== undefined || maxSig !== undefined ? [minSig || 1, maxSig || 21] : null,
        explicitFraction: o.minimumFractionDigits !== undefined || o.maximumFractionDigits !== undefined,
      };
    }
    resolvedOptions() {
      const o = this._o;
      const out = { locale: LOCALE, numberingSystem: 'latn', style: o.style };
      if (o.currency) Object.assign(out, { currency: o.currency, currencyDisplay: o.currencyDisplay, currencySign: o.currencySign });
      out.minimumIntegerDigits = o.minimumIntegerDigits;
      if (o.sig) Object.assign(out, { minimumSignificantDigits: o.sig[0], maximumSignificantDigits: o.sig[1] });
      else Object.assign(out, { minimumFractionDigits: o.minimumFractionDigits, maximumFractionDigits: o.maximumFractionDigits });
      Object.assign(out, { useGrouping: o.useGrouping ? 'auto' : false, notation: o.notation, signDisplay: o.signDisplay });
      if (o.notation === 'compact') out.compactDisplay = o.compactDisplay;
      return out;
    }
    formatToParts(x) { return [{ type: 'literal', value: this.format(x) }]; }
  }
  function formatNumber(nf, value) {
    const o = nf._o;
    const x = typeof value === 'bigint' ? value : Number(value);
    const negative = typeof x === 'bigint' ? x < 0n : x < 0 || Object.is(x, -0);
    let body;
    let zero = false;
    if (typeof x === 'number' && Number.isNaN(x)) { body = 'NaN'; }
    else if (x === Infinity || x === -Infinity) { body = '∞'; }
    else {
      let d = decimalOf(x);
      if (o.style === 'percent') d = shift(d, 2);
      let suffix = '';
      if (o.notation === 'compact') {
        for (let round = 0; round < 2; round++) {
          const mag = d.int === '0' ? 0 : d.int.length - 1;
          const unit = COMPACT.find((c) => mag >= c[0]);
          let scaled = unit ? shift(d, -unit[0]) : d;
          if (o.sig) scaled = roundSig(scaled, o.sig[1]);
          else if (o.explicitFraction) scaled = roundFrac(scaled, o.maximumFractionDigits);
          else scaled = scaled.int.length >= 2 && scaled.int !== '0' ? roundFrac(scaled, 0) : roundSig(scaled, 2);
          // 999,999 rounds to 1000K: say 1M instead.
          if (unit && scaled.int.length > 3 && round === 0 && unit !== COMPACT[0]) { d = shift(scaled, unit[0]); continue; }
          suffix = unit ? (o.compactDisplay === 'long' ? ' ' + unit[2] : unit[1]) : '';
          d = scaled;
          break;
        }
      } else if (o.sig) d = roundSig(d, o.sig[1]);
      else d = roundFrac(d, o.maximumFractionDigits);
      let frac = d.frac.replace(/0+$/, '');
      const minFrac = o.sig ? Math.max(0, o.sig[0] - (d.int === '0' ? 0 : d.int.length)) : o.minimumFractionDigits;
      if (frac.length < minFrac) frac += '0'.repeat(minFrac - frac.length);
      let int = d.int.padStart(o.minimumIntegerDigits, '0');
      if (o.useGrouping) int = group(int);
      zero = isZero(d);
      body = (frac ? `${int}.${frac}` : int) + suffix;
    }
    if (o.style === 'percent') body += '%';
    if (o.style === 'currency') {
      const c = o.currency;
      if (o.currencyDisplay === 'code' || o.currencyDisplay === 'name' || !(c in CURRENCY_SYMBOLS)) body = `${c}\u00a0${body}`;
      else body = (o.currencyDisplay === 'narrowSymbol' && NARROW_SYMBOLS[c] ? NARROW_SYMBOLS[c] : CURRENCY_SYMBOLS[c]) + body;
    }
    const sd = o.signDisplay;
    const showMinus = negative && sd !== 'never' && !(sd === 'exceptZero' && zero) && !(sd === 'negative' && zero);
    if (showMinus) return o.currencySign === 'accounting' && o.style === 'currency' ? `(${body})` : `-${body}`;
    if (!negative && (sd === 'always' || (sd === 'exceptZero' && !zero))) return `+${body}`;
    return body;
  }
  boundGetter(NumberFormat.prototype, 'format', function format(x) { return formatNumber(this, x); });

  // Dates: en-US patterns, in UTC.
  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  const UTC_NAMES = ['UTC', 'ETC/UTC', 'GMT', 'ETC/GMT', 'ZULU', 'UCT', 'ETC/UCT', 'ETC/ZULU', 'UNIVERSAL', 'ETC/UNIVERSAL'];
  const pad2 = (n) => String(n).padStart(2, '0');
  const DATE_KEYS = ['weekday', 'era', 'year', 'month', 'day'];
  const TIME_KEYS = ['hour', 'minute', 'second', 'fractionalSecondDigits'];
  const STYLES = ['full', 'long', 'medium', 'short'];
  class DateTimeFormat {
    // `required` and `defaults` as ECMA-402's ToDateTimeOptions: which components count as
    // given, and which are added when none of them is.
    constructor(locales, options, required = 'any', defaults = 'date') {
      const o = optionsOf(options);
      if (o.timeZone !== undefined && !UTC_NAMES.includes(safeString(o.timeZone).toUpperCase())) {
        throw new RangeError(`Intl.DateTimeFormat: time zone ${safeString(o.timeZone)} is not available in the sandbox, whose clocks and dates are in UTC`);
      }
      const r = {
        weekday: pick(o, 'weekday', ['long', 'short', 'narrow']),
        era: pick(o, 'era', ['long', 'short', 'narrow']),
        year: pick(o, 'year', ['numeric', '2-digit']),
        month: pick(o, 'month', ['numeric', '2-digit', 'long', 'short', 'narrow']),
        day: pick(o, 'day', ['numeric', '2-digit']),
        hour: pick(o, 'hour', ['numeric', '2-digit']),
        minute: pick(o, 'minute', ['numeric', '2-digit']),
        second: pick(o, 'second', ['numeric', '2-digit']),
        fractionalSecondDigits: digitOpt(o, 'fractionalSecondDigits', 1, 3, undefined),
        timeZoneName: pick(o, 'timeZoneName', ['short', 'long', 'shortOffset', 'longOffset', 'shortGeneric', 'longGeneric']),
        dateStyle: pick(o, 'dateStyle', STYLES),
        timeStyle: pick(o, 'timeStyle', STYLES),
      };
      const hc = pick(o, 'hourCycle', ['h11', 'h12', 'h23', 'h24']);
      r.h12 = o.hour12 !== undefined ? Boolean(o.hour12) : hc === undefined ? true : hc === 'h11' || hc === 'h12';
      const styled = r.dateStyle || r.timeStyle;
      const hasDate = ['weekday', 'year', 'month', 'day'].some((k) => r[k] !== undefined);
      const hasTime = TIME_KEYS.some((k) => r[k] !== undefined);
      const anyComponent = hasDate || hasTime || r.era !== undefined;
      if (styled && (anyComponent || r.timeZoneName)) throw new TypeError(`Can't set option ${anyComponent ? 'a date or time component' : 'timeZoneName'} when ${r.dateStyle ? 'dateStyle' : 'timeStyle'} is used`);
      const given = (required !== 'time' && hasDate) || (required !== 'date' && hasTime);
      if (!styled && !given) {
        if (defaults === 'date' || defaults === 'all') Object.assign(r, { year: 'numeric', month: 'numeric', day: 'numeric' });
        if (defaults === 'time' || defaults === 'all') Object.assign(r, { hour: 'numeric', minute: 'numeric', second: 'numeric' });
      }
      this._o = r;
    }
    resolvedOptions() {
      const r = this._o;
      const out = { locale: LOCALE, calendar: 'gregory', numberingSystem: 'latn', timeZone: 'UTC' };
      if (r.hour !== undefined || r.timeStyle) Object.assign(out, { hourCycle: r.h12 ? 'h12' : 'h23', hour12: r.h12 });
      for (const k of [...DATE_KEYS, ...TIME_KEYS, 'timeZoneName', 'dateStyle', 'timeStyle']) if (r[k] !== undefined) out[k] = r[k];
      return out;
    }
    formatToParts(d) { return [{ type: 'literal', value: this.format(d) }]; }
    formatRange(a, b) { return `${this.format(a)} – ${this.format(b)}`; }
  }
  function datePart(t, r) {
    const year = t.getUTCFullYear(), month = t.getUTCMonth(), day = t.getUTCDate();
    const y = r.year === '2-digit' ? pad2(((year % 100) + 100) % 100) : r.year ? String(year) : '';
    const dd = r.day === '2-digit' ? pad2(day) : r.day ? String(day) : '';
    const era = r.era ? (r.era === 'long' ? (year > 0 ? 'Anno Domini' : 'Before Christ') : r.era === 'narrow' ? (year > 0 ? 'A' : 'B') : (year > 0 ? 'AD' : 'BC')) : '';
    const wd = r.weekday ? WEEKDAYS[t.getUTCDay()] : '';
    const weekday = r.weekday === 'long' ? wd : r.weekday === 'short' ? wd.slice(0, 3) : wd.slice(0, 1);
    let text;
    if (r.month === 'long' || r.month === 'short' || r.month === 'narrow') {
      const m = r.month === 'long' ? MONTHS[month] : r.month === 'short' ? MONTHS[month].slice(0, 3) : MONTHS[month][0];
      text = dd ? (y ? `${m} ${dd}, ${y}` : `${m} ${dd}`) : y ? `${m} ${y}` : m;
      if (era) text += ` ${era}`;
    } else {
      const m = r.month === '2-digit' ? pad2(month + 1) : r.month ? String(month + 1) : '';
      text = [m, dd, y].filter((p) => p !== '').join('/');
      if (era) text = text ? `${text} ${era}` : era;
    }
    if (weekday) text = text ? `${weekday}, ${text}` : weekday;
    return text;
  }
  function timePart(t, r) {
    const h = t.getUTCHours(), min = t.getUTCMinutes(), s = t.getUTCSeconds();
    const parts = [];
    if (r.hour) {
      const hh = r.h12 ? (h % 12 === 0 ? 12 : h % 12) : h;
      parts.push(r.hour === '2-digit' || !r.h12 ? pad2(hh) : String(hh));
    }
    // A minute or second on its own is not padded, even when asked for 2-digit (as ICU).
    if (r.minute) parts.push(r.hour || r.second ? pad2(min) : String(min));
    if (r.second) {
      let sec = r.hour || r.minute ? pad2(s) : String(s);
      if (r.fractionalSecondDigits) sec += '.' + String(t.getUTCMilliseconds()).padStart(3, '0').slice(0, r.fractionalSecondDigits);
      parts.push(sec);
    }
    let text = parts.join(':');
    if (r.hour && r.h12) text += h < 12 ? ' AM' : ' PM';
    return text;
  }
  const DATE_STYLES = {
    full: { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' },
    long: { month: 'long', day: 'numeric', year: 'numeric' },
    medium: { month: 'short', day: 'numeric', year: 'numeric' },
    short: { month: 'numeric', day: 'numeric', year: '2-digit' },
  };
  const TIME_STYLES = {
    full: { hour: 'numeric', minute: '2-digit', second: '2-digit', timeZoneName: 'long' },
    long: { hour: 'numeric', minute: '2-digit', second: '2-digit', timeZoneName: 'short' },
    medium: { hour: 'numeric', minute: '2-digit', second: '2-digit' },
    short: { hour: 'numeric', minute: '2-digit' },
  };
  function formatDate(dtf, value) {
    const t = new Date(value === undefined ? Date.now() : brand(dateGetTime, value) ? dateGetTime(value) : Number(value));
    if (Number.isNaN(t.getTime())) throw new RangeError('Invalid time value');
    let r = dtf._o;
    const style = r.dateStyle || r.timeStyle;
    if (style) r = Object.assign({ h12: r.h12 }, r.dateStyle ? DATE_STYLES[r.dateStyle] : {}, r.timeStyle ? TIME_STYLES[r.timeStyle] : {}, { dateStyle: r.dateStyle, timeStyle: r.timeStyle });
    const date = datePart(t, r);
    let time = timePart(t, r);
    if (r.timeZoneName) time = (time ? time + ' ' : '') + (r.timeZoneName === 'long' ? 'Coordinated Universal Time' : r.timeZoneName.endsWith('Offset') ? 'GMT' : 'UTC');
    if (!date) return time;
    if (!time) return date;
    const longDate = r.dateStyle ? r.dateStyle === 'full' || r.dateStyle === 'long' : r.month === 'long';
    return `${date}${longDate ? ' at ' : ', '}${time}`;
  }
  boundGetter(DateTimeFormat.prototype, 'format', function format(d) { return formatDate(this, d); });

  // Collation: letters compare by base letter first, then accents, then case (lower first),
  // as ICU's root order does for Latin text; `numeric` compares digit runs by value.
  const stripMarks = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  const charClass = (c) => (/\s/.test(c) ? 0 : /[0-9]/.test(c) ? 2 : /\p{L}/u.test(c) ? 3 : 1);
  function collationKeys(s, numeric) {
    const base = stripMarks(s);
    const keys = [];
    for (let i = 0; i < base.length;) {
      const c = base[i];
      if (numeric && c >= '0' && c <= '9') {
        let j = i;
        while (j < base.length && base[j] >= '0' && base[j] <= '9') j++;
        const run = base.slice(i, j).replace(/^0+(?=\d)/, '');
        keys.push([2, run.length, run]);
        i = j;
        continue;
      }
      keys.push([charClass(c), 0, c.toLowerCase()]);
      i++;
    }
    return keys;
  }
  function compareKeys(a, b) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      for (let k = 0; k < 3; k++) if (a[i][k] !== b[i][k]) return a[i][k] < b[i][k] ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  function collate(x, y, o) {
    const a = safeString(x), b = safeString(y);
    const primary = compareKeys(collationKeys(a, o.numeric), collationKeys(b, o.numeric));
    if (primary !== 0 || o.sensitivity === 'base') return primary;
    if (o.sensitivity !== 'case') {
      const am = a.normalize('NFD'), bm = b.normalize('NFD');
      const marksA = am.replace(/[^\u0300-\u036f]/g, ''), marksB = bm.replace(/[^\u0300-\u036f]/g, '');
      if (marksA !== marksB) return marksA < marksB ? -1 : 1;
      if (o.sensitivity === 'accent') return 0;
    }
    const ca = stripMarks(a), cb = stripMarks(b);
    for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
      if (ca[i] !== cb[i]) return ca[i] === ca[i].toLowerCase() ? -1 : 1;
    }
    return 0;
  }
  class Collator {
    constructor(locales, options) {
      const o = optionsOf(options);
      this._o = {
        numeric: o.numeric === true || o.numeric === 'true',
        sensitivity: pick(o, 'sensitivity', ['base', 'accent', 'case', 'variant'], 'variant'),
        usage: pick(o, 'usage', ['sort', 'search'], 'sort'),
      };
    }
    resolvedOptions() {
      return { locale: LOCALE, usage: this._o.usage, sensitivity: this._o.sensitivity, ignorePunctuation: false, collation: 'default', numeric: this._o.numeric, caseFirst: 'false' };
    }
  }
  boundGetter(Collator.prototype, 'compare', function compare(a, b) { return collate(a, b, this._o); });

  class PluralRules {
    constructor(locales, options) { this._type = pick(optionsOf(options), 'type', ['cardinal', 'ordinal'], 'cardinal'); }
    select(n) {
      const x = Math.abs(Number(n));
      if (this._type === 'cardinal') return x === 1 ? 'one' : 'other';
      const m10 = x % 10, m100 = x % 100;
      if (m10 === 1 && m100 !== 11) return 'one';
      if (m10 === 2 && m100 !== 12) return 'two';
      if (m10 === 3 && m100 !== 13) return 'few';
      return 'other';
    }
    resolvedOptions() { return { locale: LOCALE, type: this._type }; }
  }

  const REL_UNITS = ['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second'];
  const REL_AUTO = { year: ['last year', 'this year', 'next year'], quarter: ['last quarter', 'this quarter', 'next quarter'], month: ['last month', 'this month', 'next month'], week: ['last week', 'this week', 'next week'], day: ['yesterday', 'today', 'tomorrow'], hour: [null, 'this hour', null], minute: [null, 'this minute', null], second: [null, 'now', null] };
  class RelativeTimeFormat {
    constructor(locales, options) {
      const o = optionsOf(options);
      this._o = { numeric: pick(o, 'numeric', ['always', 'auto'], 'always'), style: pick(o, 'style', ['long', 'short', 'narrow'], 'long') };
    }
    format(value, unit) {
      const n = Number(value);
      let u = safeString(unit);
      if (u.endsWith('s')) u = u.slice(0, -1);
      if (!REL_UNITS.includes(u)) throw new RangeError(`Invalid unit argument for format() '${safeString(unit)}'`);
      if (this._o.numeric === 'auto' && (n === -1 || n === 0 || n === 1)) {
        const word = REL_AUTO[u][n + 1];
        if (word) return word;
      }
      const abs = Math.abs(n);
      const num = new NumberFormat().format(abs);
      const name = this._o.style === 'long' ? u : { year: 'yr.', quarter: 'qtr.', month: 'mo.', week: 'wk.', day: 'day', hour: 'hr.', minute: 'min.', second: 'sec.' }[u];
      const plural = this._o.style === 'long' ? (abs === 1 ? name : name + 's') : name === 'day' && abs !== 1 ? 'days' : name === 'qtr.' && abs !== 1 ? 'qtrs.' : name;
      return n < 0 || Object.is(n, -0) ? `${num} ${plural} ago` : `in ${num} ${plural}`;
    }
    resolvedOptions() { return { locale: LOCALE, style: this._o.style, numeric: this._o.numeric, numberingSystem: 'latn' }; }
  }

  class ListFormat {
    constructor(locales, options) {
      const o = optionsOf(options);
      this._o = { type: pick(o, 'type', ['conjunction', 'disjunction', 'unit'], 'conjunction'), style: pick(o, 'style', ['long', 'short', 'narrow'], 'long') };
    }
    format(list) {
      const items = Array.from(list === undefined ? [] : list, (x) => {
        if (typeof x !== 'string') throw new TypeError('Iterable yielded ' + safeString(x) + ' which is not a string');
        return x;
      });
      const { type, style } = this._o;
      const word = type === 'conjunction' ? (style === 'long' ? 'and' : style === 'short' ? '&' : '') : type === 'disjunction' ? 'or' : '';
      if (items.length === 0) return '';
      if (items.length === 1) return items[0];
      const sep = type === 'unit' && style === 'narrow' ? ' ' : ', ';
      if (items.length === 2) return word ? `${items[0]} ${word} ${items[1]}` : items.join(sep);
      const head = items.slice(0, -1).join(sep);
      return word ? `${head}, ${word} ${items[items.length - 1]}` : `${head}${sep}${items[items.length - 1]}`;
    }
    resolvedOptions() { return { locale: LOCALE, type: this._o.type, style: this._o.style }; }
  }

  const supported = () => [LOCALE];
  for (const C of [NumberFormat, DateTimeFormat, Collator, PluralRules, RelativeTimeFormat, ListFormat]) {
    defProp(C, 'supportedLocalesOf', { value: named('supportedLocalesOf', supported), writable: true, configurable: true });
  }
  // NumberFormat, DateTimeFormat and Collator may be called without `new`, as ECMA-402 says
  // (`Intl.NumberFormat().format(n)`); the newer three may not, as in Node.
  const callable = (C) => {
    const F = function (locales, options) { return new C(locales, options); };
    F.prototype = C.prototype;
    defProp(C.prototype, 'constructor', { value: F, writable: true, configurable: true });
    defProp(F, 'supportedLocalesOf', { value: C.supportedLocalesOf, writable: true, configurable: true });
    defProp(F, 'length', { value: 0, configurable: true });
    return F;
  };
  const intl = {};
  for (const [name, C] of [['NumberFormat', callable(NumberFormat)], ['DateTimeFormat', callable(DateTimeFormat)],
    ['Collator', callable(Collator)], ['PluralRules', PluralRules], ['RelativeTimeFormat', RelativeTimeFormat],
    ['ListFormat', ListFormat]]) {
    defProp(C, 'name', { value: name, configurable: true });
    defProp(C.prototype, Symbol.toStringTag, { value: `Intl.${name}`, configurable: true });
    defProp(intl, name, { value: C, writable: true, configurable: true });
  }
  defProp(intl, 'getCanonicalLocales', { value: named('getCanonicalLocales', (l) => (l === undefined ? [] : [LOCALE])), writable: true, configurable: true });
  defProp(intl, Symbol.toStringTag, { value: 'Intl', configurable: true });
  defGlobalIfMissing('Intl', intl);

  // The locale-sensitive methods of the built-ins, over the same code.
  const defMethod = (proto, name, fn) => defProp(proto, name, { value: named(name, fn), writable: true, configurable: true });
  if (G.Intl === intl) {
    defMethod(Number.prototype, 'toLocaleString', function toLocaleString(locales, options) { return formatNumber(new NumberFormat(locales, options), numValueOf(this)); });
    defMethod(BigInt.prototype, 'toLocaleString', function toLocaleString(locales, options) { return formatNumber(new NumberFormat(locales, options), bigValueOf(this)); });
    const dateMethod = (name, required, defaults) => defMethod(Date.prototype, name, function (locales, options) {
      const t = dateGetTime(this);
      if (Number.isNaN(t)) return 'Invalid Date';
      return formatDate(new DateTimeFormat(locales, options, required, defaults), t);
    });
    dateMethod('toLocaleString', 'any', 'all');
    dateMethod('toLocaleDateString', 'date', 'date');
    dateMethod('toLocaleTimeString', 'time', 'time');
    defMethod(String.prototype, 'localeCompare', function localeCompare(that, locales, options) {
      if (this === null || this === undefined) throw new TypeError('String.prototype.localeCompare called on null or undefined');
      return collate(String(this), that, new Collator(locales, options)._o);
    });
  }

  // A date as text names its time zone as Node does: the sandbox's only one is UTC.
  for (const name of ['toString', 'toTimeString']) {
    const native = uncurry(Date.prototype[name]);
    defMethod(Date.prototype, name, function () {
      const text = native(this);
      return text.endsWith('GMT+0000') ? `${text} (Coordinated Universal Time)` : text;
    });
  }

  // ---------------------------------------------------------------------------
  // 11. node: a script run by the shell's `node` command
  // ---------------------------------------------------------------------------
  // The host runs it in this same context (and a script's shell() may run node, whose script
  // may call shell() again), so what a run owns is swapped in by nodeEnter and put back by
  // nodeLeave: its timers, console counters, the script name for stack traces, the working
  // directory and stdin. `process`, `module`, `exports`, `__filename` and `__dirname` are
  // parameters of the script's wrapper (nodeCall), not globals: plain runs never see them.

  // A small EventEmitter, enough for `process` and its streams. `onListen(event)` runs after a
  // listener is added.
  function makeEmitter(target, onListen) {
    const listeners = new Map();
    const add = (ev, fn, once, front) => {
      if (typeof fn !== 'function') throw argError('listener', 'of type function', fn);
      let l = listeners.get(ev);
      if (!l) listeners.set(ev, (l = []));
      if (front) l.unshift({ fn, once }); else l.push({ fn, once });
      if (onListen) onListen(ev);
      return target;
    };
    target.on = target.addListener = (ev, fn) => add(ev, fn, false, false);
    target.once = (ev, fn) => add(ev, fn, true, false);
    target.prependListener = (ev, fn) => add(ev, fn, false, true);
    target.off = target.removeListener = (ev, fn) => {
      const l = listeners.get(ev);
      const i = l ? l.findIndex((x) => x.fn === fn) : -1;
      if (i !== -1) l.splice(i, 1);
      return target;
    };
    target.removeAllListeners = (ev) => { if (ev === undefined) listeners.clear(); else listeners.delete(ev); return target; };
    target.listenerCount = (ev) => (listeners.get(ev) || []).length;
    target.emit = (ev, ...args) => {
      const l = listeners.get(ev);
      if (!l || l.length === 0) return false;
      for (const x of l.slice()) {
        if (x.once) target.off(ev, x.fn);
        x.fn.apply(target, args);
      }
      return true;
    };
    return target;
  }

  const later = (fn) => promiseThen(Promise.resolve(), fn);
  const chunkText = (c) => {
    if (typeof c === 'string') return c;
    const v = viewBytes(c);
    return v ? host.utf8Decode(v, false) : safeString(c);
  };
  function makeWritable(fd) {
    const stream = makeEmitter({ fd, isTTY: false, writable: true });
    stream.write = (chunk, encoding, cb) => {
      write(fd, chunkText(chunk));
      const done = typeof encoding === 'function' ? encoding : cb;
      if (typeof done === 'function') later(() => done(null));
      return true;
    };
    stream.end = (chunk, encoding, cb) => {
      const done = [chunk, encoding, cb].find((x) => typeof x === 'function');
      if (chunk !== undefined && chunk !== null && typeof chunk !== 'function') write(fd, chunkText(chunk));
      if (done) later(() => done());
      return stream;
    };
    return stream;
  }

  // Node hands stdin over as Buffers, which scripts join with `s += chunk`: a byte array whose
  // toString decodes UTF-8 works the same.
  class StdinChunk extends Uint8Array {
    toString(encoding) {
      const enc = encodingOf(encoding, 'utf8');
      return enc === 'utf8' || enc === 'buffer' ? host.utf8Decode(this, false) : decodeBytes(copyBuffer(this), enc);
    }
  }
  // All of stdin arrives as one chunk, on a later turn (listeners are added after `on`).
  function makeStdin() {
    let encoding = null, started = false, pending = null;
    const value = (ab) => { const c = new StdinChunk(ab); return encoding === null ? c : c.toString(encoding); };
    const start = () => {
      if (started) return;
      started = true;
      addTimer(Immediate, () => {
        let ab;
        try { ab = takeStdin(); } catch (e) {
          if (stdin.emit('error', e)) return;
          throw e;
        }
        if (stdin.listenerCount('readable')) {
          pending = ab.byteLength ? value(ab) : null;
          stdin.emit('readable');
          pending = null;
        } else if (ab.byteLength) stdin.emit('data', value(ab));
        stdin.emit('end');
        stdin.emit('close');
      }, 0, false, []);
    };
    const stdin = makeEmitter({ fd: 0, isTTY: false, readable: true }, (ev) => {
      if (ev === 'data' || ev === 'end' || ev === 'readable' || ev === 'close') start();
    });
    stdin.setEncoding = (enc) => {
      encoding = encodingOf(enc === undefined ? 'utf8' : enc, 'utf8');
      if (encoding === 'buffer') encoding = null;
      return stdin;
    };
    stdin.resume = () => { start(); return stdin; };
    stdin.pause = () => stdin;
    stdin.read = () => { const v = pending; pending = null; return v; };
    stdin.pipe = (dest) => { stdin.on('data', (c) => dest.write(c)); return dest; };
    stdin[Symbol.asyncIterator] = async function* () {
      started = true;
      const ab = takeStdin();
      if (ab.byteLength) yield value(ab);
    };
    return stdin;
  }

  // An exit status from process.exit(code) or process.exitCode, as the shell sees it.
  function statusOf(code) {
    if (code === undefined || code === null) return 0;
    const n = Number(code);
    return Number.isInteger(n) ? n & 255 : 1;
  }
  function normPath(p) {
    const out = [];
    for (const seg of p.split('/')) {
      if (seg === '..') out.pop();
      else if (seg !== '' && seg !== '.') out.push(seg);
    }
    return '/' + out.join('/');
  }

  function makeProcess(info, state) {
    const start = host.monotonic();
    const nowNs = () => Math.round(host.monotonic() * 1e6);
    const hrtime = (prev) => {
      let ns = nowNs();
      if (isArray(prev)) ns -= prev[0] * 1e9 + prev[1];
      return [Math.floor(ns / 1e9), ns % 1e9];
    };
    hrtime.bigint = () => BigInt(nowNs());
    const proc = makeEmitter({});
    return Object.assign(proc, {
      title: 'node',
      argv: info.argv,
      argv0: 'node',
      execArgv: [],
      execPath: 'node',
      env: info.env,
      platform: 'linux',
      arch: 'wasm32',
      pid: 1,
      ppid: 0,
      exitCode: undefined,
      stdin: makeStdin(),
      stdout: makeWritable(1),
      stderr: makeWritable(2),
      cwd: named('cwd', () => state.cwd),
      chdir: named('chdir', (dir) => {
        const p = normPath(toPath(dir, 'directory'));
        if (hostJSON('fs.stat', { path: p }).type !== 'dir') {
          const e = new Error(`ENOTDIR: not a directory, chdir '${state.cwd}' -> '${safeString(dir)}'`);
          throw Object.assign(e, { errno: -20, code: 'ENOTDIR', syscall: 'chdir', path: state.cwd, dest: safeString(dir) });
        }
        state.cwd = fsCwd = p;
      }),
      // Ends the script now: the host throws an error no `catch` can stop.
      exit: named('exit', (code) => host.exit(info.id, statusOf(code === undefined ? proc.exitCode : code))),
      nextTick: named('nextTick', (fn, ...args) => {
        if (typeof fn !== 'function') throw argError('callback', 'of type function', fn);
        later(() => fn(...args));
      }),
      hrtime,
      uptime: named('uptime', () => (host.monotonic() - start) / 1000),
      emitWarning: named('emitWarning', (w) => { write(2, '(node) Warning: ' + (isError(w) ? safeString(w.message) : safeString(w)) + '\n'); }),
    });
  }

  // info: { id, filename, prefix, argv, env, cwd, stdin: ArrayBuffer | null, main, code }.
  function nodeEnter(info) {
    const saved = { scriptName, prefixLen, T, failed: airlock.failed, counts, timeLabels, groupIndent,
      fsCwd, nodeStdin, main: requireFn.main };
    scriptName = info.filename;
    prefixLen = info.prefix;
    T = newTimerScope();
    airlock.failed = false;
    counts = new Map();
    timeLabels = new Map();
    groupIndent = '';
    fsCwd = info.cwd;
    nodeStdin = { data: info.stdin, taken: false };
    const state = { saved, cwd: info.cwd, code: info.code, filename: info.filename };
    state.dirname = info.main ? info.filename.slice(0, info.filename.lastIndexOf('/')) || '/' : '.';
    state.process = makeProcess(info, state);
    state.module = { id: '.', path: state.dirname, filename: info.filename, exports: {}, loaded: false,
      children: [], paths: [], require: requireFn };
    requireFn.main = info.main ? state.module : undefined;
    return state;
  }
  function nodeCall(fn, state) {
    return fn(state.process, state.module, state.module.exports, state.filename, state.dirname, state.code);
  }
  // Fires process 'exit' listeners with the status (undefined: the script ended by itself, so
  // process.exitCode decides); returns the final status, which they may change.
  function nodeExit(state, status) {
    const proc = state.process;
    proc.exitCode = status == null ? statusOf(proc.exitCode) : status;
    proc.emit('exit', proc.exitCode);
    return statusOf(proc.exitCode);
  }
  function nodeLeave(state) {
    const s = state.saved;
    ({ scriptName, prefixLen, T, counts, timeLabels, groupIndent, fsCwd, nodeStdin } = s);
    airlock.failed = s.failed;
    requireFn.main = s.main;
  }

  // ---------------------------------------------------------------------------
  // 12. The host-facing control object
  // ---------------------------------------------------------------------------
  // A plain script's `process` (a `node` run gets its own, as a wrapper parameter): an empty
  // `env`, `argv`, `cwd()`, `exit()`, `nextTick`, `hrtime`, `stdout.write`. Built on first use
  // in each run, so runs that never touch it pay nothing and none sees another's.
  let runProcess = null;
  defProp(G, 'process', {
    configurable: true,
    enumerable: false,
    get() {
      if (runProcess === null) {
        const file = scriptName && scriptName[0] === '/' ? scriptName : '/workspace/' + (scriptName || 'script.js');
        runProcess = makeProcess({ id: 0, argv: ['node', file], env: {} }, { cwd: '/workspace' });
        // The plain script's working directory stays /workspace: fs paths resolve from there.
        runProcess.chdir = named('chdir', () => {
          const e = new Error('process.chdir() is not supported in a script; use absolute paths or path.join');
          e.code = 'ERR_WORKER_UNSUPPORTED_OPERATION';
          throw e;
        });
      }
      return runProcess;
    },
    set(value) { runProcess = value; },
  });

  function reset(name, prefix, toolNames, lines) {
    scriptName = typeof name === 'string' ? name : '';
    runProcess = null;
    prefixLen = typeof prefix === 'number' ? prefix : 0;
    toolQueue = [];
    toolList = null;
    callLines = lines === true;
    if (isArray(toolNames)) installTools(toolNames);
    T = newTimerScope();
    counts = new Map();
    timeLabels = new Map();
    groupIndent = '';
    airlock.failed = false;
    perfOrigin = host.monotonic();
    perfTimeOrigin = host.now();
  }
  const airlock = {
    failed: false,
    timersNext,
    timersRun,
    toolsFlush,
    format(value) { return value === undefined ? undefined : typeof value === 'string' ? value : inspect(value); },
    formatError,
    reset,
    inspect,
    nodeEnter,
    nodeCall,
    nodeExit,
    nodeLeave,
    require: requireFn,
    // A script's `import.meta` (the host rewrites it to this): where the script is, as an ES
    // module would see it.
    get importMeta() {
      const filename = scriptName && scriptName[0] === '/' ? scriptName : '/workspace/' + (scriptName || 'script.js');
      const dirname = path.dirname(filename);
      return {
        url: pathToFileURL(filename).href,
        filename,
        dirname,
        resolve: named('resolve', (specifier) => pathToFileURL(path.resolve(dirname, String(specifier))).href),
      };
    },
  };
  defProp(G, '__airlock', { value: airlock, writable: false, enumerable: false, configurable: false });
  reset();
})();
