/// <reference lib="es2023" />
/**
 * The airlock sandbox API, as a script sees it.
 *
 * A script runs as the body of an async function: top-level `await` works, and
 * `return value` ends the script with that value. The working directory is
 * /workspace. The runtime is QuickJS (ES2023), not Node.js: there are no
 * child processes, and `fs` below is the only file API (`require("fs")` and
 * `import fs from "fs"` give it too). A script can import Node's modules
 * listed at the end of this file, the npm packages declared there, and the
 * session's own files by path (`import { f } from "./lib.ts"`); nothing else.
 *
 * Also present but not declared here: URL, URLSearchParams, TextEncoder,
 * TextDecoder, atob, btoa, structuredClone, crypto.getRandomValues,
 * crypto.randomUUID, performance.now.
 *
 * Check scripts against this file with `tsc --lib es2023` (no DOM lib).
 */

interface Console {
  log(...data: unknown[]): void;
  error(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  info(...data: unknown[]): void;
  debug(...data: unknown[]): void;
}
/** Output of log, info and debug goes to stdout; of warn and error to stderr. */
declare var console: Console;

/** A Node-style timer handle; it converts to a numeric id too. */
interface TimerHandle {
  ref(): this;
  /** Lets the script end without waiting for this timer. */
  unref(): this;
  hasRef(): boolean;
  refresh(): this;
  close(): this;
  [Symbol.toPrimitive](): number;
}
declare function setTimeout<A extends unknown[]>(callback: (...args: A) => void, ms?: number, ...args: A): TimerHandle;
declare function clearTimeout(handle: TimerHandle | number | undefined): void;
declare function setInterval<A extends unknown[]>(callback: (...args: A) => void, ms?: number, ...args: A): TimerHandle;
declare function clearInterval(handle: TimerHandle | number | undefined): void;
declare function setImmediate<A extends unknown[]>(callback: (...args: A) => void, ...args: A): TimerHandle;
declare function clearImmediate(handle: TimerHandle | number | undefined): void;
declare function queueMicrotask(callback: () => void): void;

/** Text encodings `fs` reads and writes; "binary" is "latin1". */
type FsEncoding = "utf8" | "utf-8" | "base64" | "base64url" | "hex" | "latin1" | "binary" | "ascii";
/** Read as bytes: `null` or "buffer". */
type FsBinary = null | "buffer";

interface FsStats {
  size: number;
  mtimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

/**
 * Node-like file system on the session's files. The async methods return
 * promises (like `fs/promises`); each has a `...Sync` twin. Failures carry a
 * Node-style `code`: ENOENT, EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EACCES
 * (e.g. writing to a read-only mount), ENOSPC (over the storage quota).
 */
interface AirlockFs {
  /** Reads a whole file: text (UTF-8 unless an encoding is given) or, with `null` / "buffer", bytes. */
  readFile(path: string, encoding?: FsEncoding | { encoding?: FsEncoding }): Promise<string>;
  readFile(path: string, encoding: FsBinary | { encoding: FsBinary }): Promise<Uint8Array>;
  readFile(path: string, encoding?: FsEncoding | FsBinary | { encoding?: FsEncoding | FsBinary }): Promise<string | Uint8Array>;
  /** Creates or replaces a file; strings are written as UTF-8 unless an encoding is given. */
  writeFile(path: string, data: string | Uint8Array, encoding?: FsEncoding | { encoding?: FsEncoding }): Promise<void>;
  appendFile(path: string, data: string | Uint8Array, encoding?: FsEncoding | { encoding?: FsEncoding }): Promise<void>;
  /** Entry names (with `recursive`, paths relative to `path`). */
  readdir(path: string, options?: { recursive?: boolean }): Promise<string[]>;
  stat(path: string): Promise<FsStats>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  /** Removes a file, or a directory with `recursive`; `force` ignores a missing path. */
  rm(path: string, options?: { recursive?: boolean; force?: boolean }): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
  exists(path: string): Promise<boolean>;

  readFileSync(path: string, encoding?: FsEncoding | { encoding?: FsEncoding }): string;
  readFileSync(path: string, encoding: FsBinary | { encoding: FsBinary }): Uint8Array;
  readFileSync(path: string, encoding?: FsEncoding | FsBinary | { encoding?: FsEncoding | FsBinary }): string | Uint8Array;
  writeFileSync(path: string, data: string | Uint8Array, encoding?: FsEncoding | { encoding?: FsEncoding }): void;
  appendFileSync(path: string, data: string | Uint8Array, encoding?: FsEncoding | { encoding?: FsEncoding }): void;
  readdirSync(path: string, options?: { recursive?: boolean }): string[];
  statSync(path: string): FsStats;
  mkdirSync(path: string, options?: { recursive?: boolean }): void;
  rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
  unlinkSync(path: string): void;
  renameSync(from: string, to: string): void;
  copyFileSync(from: string, to: string): void;
  existsSync(path: string): boolean;

  /** The object itself, for code written against `fs.promises`. */
  promises: AirlockFs;
}
declare var fs: AirlockFs;
declare function require(id: "fs" | "node:fs" | "fs/promises" | "node:fs/promises"): AirlockFs;

/** Node's `path` (POSIX); `require("path")` and `import path from "path"` give it too. */
interface AirlockPath {
  join(...parts: string[]): string;
  resolve(...parts: string[]): string;
  normalize(path: string): string;
  isAbsolute(path: string): boolean;
  dirname(path: string): string;
  basename(path: string, suffix?: string): string;
  extname(path: string): string;
  relative(from: string, to: string): string;
  parse(path: string): { root: string; dir: string; base: string; ext: string; name: string };
  format(parts: { root?: string; dir?: string; base?: string; ext?: string; name?: string }): string;
  readonly sep: "/";
  readonly delimiter: ":";
  readonly posix: AirlockPath;
}
declare var path: AirlockPath;
declare function require(id: "path" | "node:path" | "path/posix" | "node:path/posix"): AirlockPath;

/** What `tools.list` and `tools.describe` tell about a tool. */
interface ToolInfo {
  /** The tool's name, e.g. "stripe/charges/create". */
  name: string;
  description: string;
  /** JSON Schema of the one argument object. */
  inputSchema: object;
  /** JSON Schema of the result, when the tool declares one. */
  outputSchema?: object;
}

/** The tools this sandbox offers, to look up at run time. */
declare namespace tools {
  /** Every tool the script may call. */
  function list(): ToolInfo[];
  /** One tool by name, or `undefined` when there is none. */
  function describe(name: string): ToolInfo | undefined;
}

/**
 * A failed tool call rejects with this error. `code` says why:
 * - "EPOLICY": the policy denied the call; retrying the same arguments is denied again.
 * - "EINVAL": the arguments do not match the tool's input schema.
 * - "ETOOL": the tool ran and failed, or returned a bad result.
 * - "ETIMEDOUT": the call took longer than the tool's timeout.
 * - "ENOENT": there is no tool with that name.
 * - "E2BIG": the arguments or the result are too large.
 * - "EUNAVAILABLE": the tool could not be started or reached.
 */
interface ToolCallError extends Error {
  code: string;
  /** The name of the tool that was called. */
  tool: string;
}
