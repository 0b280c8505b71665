// Fake airlock host for testing prelude.js under Node's `vm` (V8 instead of QuickJS).
// Mirrors the native contract of crates/airlock-guest/src/natives.rs: write, call
// (over an in-memory filesystem), utf8Encode/Decode, random, randomBytes, now, monotonic.
import vm from 'node:vm';
import fs from 'node:fs';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const PRELUDE = fileURLToPath(new URL('../src/prelude.js', import.meta.url));

export function makeSandbox() {
  const context = vm.createContext({});
  // Make sure the polyfills are exercised, not whatever Node put in the context.
  vm.runInContext(`for (const k of ['URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'structuredClone',
    'atob', 'btoa', 'queueMicrotask', 'performance', 'crypto', 'console', 'setTimeout', 'DOMException', 'Intl'])
    delete globalThis[k];`, context);
  const CtxArrayBuffer = vm.runInContext('ArrayBuffer', context);
  const toCtxBuffer = (bytes) => {
    const ab = new CtxArrayBuffer(bytes.length);
    new Uint8Array(ab).set(bytes);
    return ab;
  };
  const out = { 1: [], 2: [] };
  const clock = { t: 1000 };
  const files = new Map(); // absolute path -> Uint8Array
  const dirs = new Set(['/', '/workspace']);
  const readonly = new Set();
  const calls = [];

  const norm = (p) => {
    let abs = p.startsWith('/') ? p : '/workspace/' + p;
    const segs = [];
    for (const s of abs.split('/')) {
      if (s === '' || s === '.') continue;
      if (s === '..') segs.pop(); else segs.push(s);
    }
    return '/' + segs.join('/');
  };
  const parent = (p) => p.slice(0, p.lastIndexOf('/')) || '/';
  const fail = (code, errno, syscall, path, what) => {
    const e = { code, message: `${code}: ${what}, ${syscall} '${path}'`, path, syscall, errno };
    return [false, toCtxBuffer(Buffer.from(JSON.stringify(e)))];
  };
  const ok = (bytes = new Uint8Array(0)) => [true, toCtxBuffer(bytes)];
  const okJSON = (v) => ok(Buffer.from(JSON.stringify(v)));
  const ENOENT = (sys, p) => fail('ENOENT', -2, sys, p, 'no such file or directory');

  function call(op, argJson, data) {
    const arg = JSON.parse(argJson);
    calls.push({ op, arg, data: data && Buffer.from(new Uint8Array(data)) });
    const p = arg.path !== undefined ? norm(arg.path) : undefined;
    switch (op) {
      case 'fs.readFile':
        if (dirs.has(p)) return fail('EISDIR', -21, 'read', p, 'illegal operation on a directory');
        return files.has(p) ? ok(files.get(p)) : ENOENT('open', p);
      case 'fs.writeFile':
      case 'fs.appendFile': {
        if (!dirs.has(parent(p))) return ENOENT('open', p);
        if (readonly.has(p)) return fail('EACCES', -13, 'open', p, 'permission denied');
        const bytes = new Uint8Array(data ?? new ArrayBuffer(0));
        const prev = op === 'fs.appendFile' && files.get(p);
        files.set(p, prev ? Buffer.concat([prev, bytes]) : Uint8Array.from(bytes));
        return ok();
      }
      case 'fs.exists': return okJSON(files.has(p) || dirs.has(p));
      case 'fs.stat':
        if (dirs.has(p)) return okJSON({ type: 'dir', size: 0, mtimeMs: 1700000000000, readonly: false });
        if (files.has(p)) return okJSON({ type: 'file', size: files.get(p).length, mtimeMs: 1700000000000, readonly: readonly.has(p) });
        return ENOENT('stat', p);
      case 'fs.readdir': {
        if (!dirs.has(p)) return ENOENT('scandir', p);
        const pre = p === '/' ? '/' : p + '/';
        const list = [];
        for (const d of dirs) if (d !== p && d.startsWith(pre) && !d.slice(pre.length).includes('/')) list.push({ name: d.slice(pre.length), type: 'dir' });
        for (const f of files.keys()) if (f.startsWith(pre) && !f.slice(pre.length).includes('/')) list.push({ name: f.slice(pre.length), type: 'file' });
        list.sort((a, b) => (a.name < b.name ? -1 : 1));
        return okJSON(list);
      }
      case 'fs.mkdir':
        if (dirs.has(p)) return arg.recursive ? ok() : fail('EEXIST', -17, 'mkdir', p, 'file already exists');
        if (!dirs.has(parent(p))) {
          if (!arg.recursive) return ENOENT('mkdir', p);
          let cur = '';
          for (const s of p.split('/').slice(1)) { cur += '/' + s; dirs.add(cur); }
        }
        dirs.add(p);
        return ok();
      case 'fs.rm':
        if (files.delete(p)) return ok();
        if (dirs.has(p)) {
          if (!arg.recursive) return fail('ERR_FS_EISDIR', -21, 'rm', p, 'Path is a directory');
          for (const f of [...files.keys()]) if (f.startsWith(p + '/')) files.delete(f);
          for (const d of [...dirs]) if (d === p || d.startsWith(p + '/')) dirs.delete(d);
          return ok();
        }
        return arg.force ? ok() : ENOENT('rm', p);
      case 'fs.rmdir':
        if (!dirs.has(p)) return ENOENT('rmdir', p);
        dirs.delete(p);
        return ok();
      case 'fs.unlink':
        return files.delete(p) ? ok() : ENOENT('unlink', p);
      case 'fs.rename': {
        const from = norm(arg.from), to = norm(arg.to);
        if (!files.has(from)) return ENOENT('rename', from);
        files.set(to, files.get(from));
        files.delete(from);
        return ok();
      }
      case 'fs.copyFile': {
        const from = norm(arg.from), to = norm(arg.to);
        if (!files.has(from)) return ENOENT('copyfile', from);
        files.set(to, Uint8Array.from(files.get(from)));
        return ok();
      }
    }
    return fail('ENOSYS', -38, op, '', 'function not implemented');
  }

  const exits = [];
  const host = {
    write(fd, text) { out[fd].push(String(text)); },
    call,
    // The guest's packages live in its Rust side (src/modules.rs); here there are none.
    requirePackage(name) {
      const e = new Error(`Cannot find module '${name}'\nThe sandbox has Node's buffer, crypto, ...`);
      e.code = 'MODULE_NOT_FOUND';
      throw e;
    },
    utf8Encode: (s) => toCtxBuffer(Buffer.from(String(s), 'utf8')),
    utf8Decode(buf, fatal) {
      const bytes = buf instanceof Uint8Array || ArrayBuffer.isView(buf)
        ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : new Uint8Array(buf);
      return new TextDecoder('utf-8', { fatal: !!fatal, ignoreBOM: true }).decode(bytes);
    },
    random: () => Math.random(),
    randomBytes: (n) => toCtxBuffer(crypto.randomBytes(n)),
    // The guest's native digests (natives.rs), here Node's; null for an unknown algorithm.
    hash(algorithm, data) {
      if (!['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'].includes(algorithm)) return null;
      const bytes = new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength);
      return toCtxBuffer(crypto.createHash(algorithm).update(bytes).digest());
    },
    now: () => 1700000000000 + clock.t,
    monotonic: () => clock.t,
    // The guest's exit throws an error no catch can stop; here it is an ordinary one.
    exit(id, status) { exits.push([id, status]); throw new Error('process.exit()'); },
  };
  context.__airlock_host = host;
  vm.runInContext(fs.readFileSync(PRELUDE, 'utf8'), context, { filename: 'airlock:prelude' });

  const run = (code, filename = 'script.js') => vm.runInContext(code, context, { filename });
  const take = (fd = 1) => { const s = out[fd].join(''); out[fd].length = 0; return s; };
  return { context, run, take, out, clock, files, dirs, readonly, calls, exits, airlock: run('__airlock') };
}
