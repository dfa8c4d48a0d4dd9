/**
 * The witness log's file access behind the runtime seam: an append-only file with an exclusive advisory lock,
 * its identity (device and inode), positioned reads, and the identity of a path. Chosen once, when this module
 * loads, for the runtime it runs on, so the witness log stays synchronous:
 *
 * - Deno: `Deno.FsFile` (`tryLockSync` is `flock(2)` with `LOCK_NB`, one `write(2)` per `writeSync`).
 * - Bun: `node:fs` descriptors and `flock(2)` from the C library through `bun:ffi` (also inside a
 *   `bun build --compile` binary).
 *
 * On both the lock is tried without blocking and retried for up to {@linkcode LOCK_TIMEOUT_MS} (or the
 * `lockTimeoutMs` given to {@linkcode openAppendFile}), so a stopped writer cannot hang the server or a hook: the
 * line fails instead (the witness log denies the call; a hook blocks it).
 * - Anything else: `node:fs` without a lock (reported by {@linkcode fileLocking}).
 *
 * All writers take the same `flock(2)` lock, so Deno and Bun processes exclude each other on one log.
 *
 * @module
 */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, statSync, writeSync } from "node:fs";

/** What a path or an open file is: the identity the witness log compares before each line. */
export interface FileIdentity {
  /** Device number. */
  dev: number;
  /** Inode number. */
  ino: number;
  /** Size in bytes. */
  size: number;
  /** Whether it is a regular file. */
  isFile: boolean;
}

/** An open append-only file (the witness log). Every method is synchronous and throws the OS error. */
export interface AppendFile {
  /** Device and inode of the open file, taken when it was opened. */
  readonly dev: number;
  /** Inode number of the open file. */
  readonly ino: number;
  /** Take the exclusive advisory lock (waits for other holders; see {@linkcode LOCK_TIMEOUT_MS}). */
  lock(): void;
  /** Release the lock. */
  unlock(): void;
  /** One `write(2)` at the end of the file; returns how many bytes it wrote (maybe fewer than given). */
  write(bytes: Uint8Array): number;
  /** The open file's current identity and size (`fstat`). */
  stat(): FileIdentity;
  /** Read up to `buf.length` bytes at `position` into `buf`; returns how many (0 at the end). */
  readAt(buf: Uint8Array, position: number): number;
  /** fsync. */
  sync(): void;
  /** Close it (releases the lock). */
  close(): void;
}

/** How this runtime locks a log file. */
export interface FileLocking {
  /** Whether appends of several processes are serialized. */
  available: boolean;
  /** The primitive, e.g. `"flock(2) via Deno.FsFile.tryLockSync"`. */
  primitive: string;
  /** Why, in words. */
  reason: string;
}

/** How long a writer waits for another process's lock before the line fails (ms). */
export const LOCK_TIMEOUT_MS = 10_000;

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Take a lock with `tryOnce` (true when taken, false while another holder has it), retrying with a growing pause
 * (0.05 ms up to 5 ms) until `timeoutMs` have passed; then throws `ETIMEDOUT`.
 */
function lockWithin(tryOnce: () => boolean, timeoutMs: number): void {
  const deadline = performance.now() + timeoutMs;
  let pause = 0.05;
  while (!tryOnce()) {
    if (performance.now() > deadline) {
      throw osError(
        "ETIMEDOUT",
        `another process has held the lock for more than ${timeoutMs / 1000} s`,
      );
    }
    Atomics.wait(sleepCell, 0, 0, pause);
    pause = Math.min(pause * 2, 5);
  }
}

/** An OS error as node:fs throws it: a message and a `code`. */
function osError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

// ---- Deno ---------------------------------------------------------------------------------------------------

// deno-lint-ignore no-explicit-any
const D = (globalThis as any).Deno;
// deno-lint-ignore no-explicit-any
const B = (globalThis as any).Bun;

function denoOpen(path: string, timeoutMs: number): AppendFile {
  const file = D.openSync(path, { read: true, append: true, create: true });
  let st;
  try {
    st = file.statSync();
  } catch (err) {
    file.close();
    throw err;
  }
  const identity = (s: { dev: number; ino: number | null; size: number; isFile: boolean }): FileIdentity => ({
    dev: s.dev,
    ino: s.ino ?? 0,
    size: s.size,
    isFile: s.isFile,
  });
  return {
    dev: st.dev,
    ino: st.ino ?? 0,
    lock: () =>
      typeof file.tryLockSync === "function"
        ? lockWithin(() => file.tryLockSync(true), timeoutMs)
        : file.lockSync(true), // a Deno before 2.7 has no tryLockSync: it waits for the holder
    unlock: () => file.unlockSync(),
    write: (bytes) => file.writeSync(bytes),
    stat: () => identity(file.statSync()),
    readAt(buf, position) {
      file.seekSync(position, D.SeekMode.Start);
      return file.readSync(buf) ?? 0;
    },
    sync: () => file.syncSync(),
    close: () => file.close(),
  };
}

function denoStat(path: string): FileIdentity {
  const s = D.statSync(path);
  return { dev: s.dev, ino: s.ino ?? 0, size: s.size, isFile: s.isFile };
}

// ---- Bun (and the node:fs fallback) ---------------------------------------------------------------------

interface Flock {
  /** flock(fd, op) -> 0 or -1 */
  call(fd: number, op: number): number;
  /** errno after a failed call */
  errno(): number;
  /** errno values of this OS */
  EINTR: number;
  EWOULDBLOCK: number;
  /** the library that had it */
  library: string;
}

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

async function loadBunFlock(): Promise<Flock | string> {
  const mac = process.platform === "darwin";
  const names = mac ? ["libc.dylib", "/usr/lib/libSystem.B.dylib"] : ["libc.so.6", "libc.so", "libc.musl-x86_64.so.1"];
  let ffi;
  try {
    const spec = "bun:ffi"; // not a literal: Deno's type checker does not know the bun: scheme
    ffi = await import(spec);
  } catch (err) {
    return `bun:ffi cannot be loaded (${(err as Error).message})`;
  }
  const errnoSymbol = mac ? "__error" : "__errno_location";
  const tried: string[] = [];
  for (const name of names) {
    try {
      const lib = ffi.dlopen(name, {
        flock: { args: ["i32", "i32"], returns: "i32" },
        [errnoSymbol]: { args: [], returns: "ptr" },
      });
      const flock = lib.symbols.flock as (fd: number, op: number) => number;
      const errnoPtr = lib.symbols[errnoSymbol] as () => number;
      const read = ffi.read as { i32(ptr: number, offset: number): number };
      return {
        call: flock,
        errno: () => read.i32(errnoPtr(), 0),
        EINTR: 4,
        EWOULDBLOCK: mac ? 35 : 11,
        library: name,
      };
    } catch (err) {
      tried.push(`${name}: ${(err as Error).message}`);
    }
  }
  return `no C library with flock found (${tried.join("; ")})`;
}

const bunFlock: Flock | string | null = B ? await loadBunFlock() : null;

/** One flock(2) call: true when done, false when another holder has the lock (LOCK_NB); throws other errors. */
function flockOnce(flock: Flock, fd: number, op: number): boolean {
  for (;;) {
    if (flock.call(fd, op | (op === LOCK_UN ? 0 : LOCK_NB)) === 0) return true;
    const errno = flock.errno();
    if (errno === flock.EINTR) continue;
    if (errno === flock.EWOULDBLOCK && op !== LOCK_UN) return false;
    throw osError(errno === 9 ? "EBADF" : `errno ${errno}`, `flock(2) failed`);
  }
}

function nodeOpen(path: string, flock: Flock | null, timeoutMs: number): AppendFile {
  const fd = openSync(path, "a+");
  let st;
  try {
    st = fstatSync(fd);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return {
    dev: st.dev,
    ino: st.ino,
    lock: () => {
      if (flock) lockWithin(() => flockOnce(flock, fd, LOCK_EX), timeoutMs);
    },
    unlock: () => {
      if (flock) flockOnce(flock, fd, LOCK_UN);
    },
    write: (bytes) => writeSync(fd, bytes, 0, bytes.length),
    stat: () => {
      const s = fstatSync(fd);
      return { dev: s.dev, ino: s.ino, size: s.size, isFile: s.isFile() };
    },
    readAt: (buf, position) => readSync(fd, buf, 0, buf.length, position),
    sync: () => fsyncSync(fd),
    close: () => closeSync(fd),
  };
}

function nodeStat(path: string): FileIdentity {
  const s = statSync(path);
  return { dev: s.dev, ino: s.ino, size: s.size, isFile: s.isFile() };
}

// ---- the choice -----------------------------------------------------------------------------------------

const useDeno = !B && D !== undefined && typeof D.openSync === "function";
const flock = typeof bunFlock === "object" ? bunFlock : null;

/** How appends are locked on this runtime (for `info`, `doctor` and the README's claims). */
export const fileLocking: FileLocking = useDeno
  ? { available: true, primitive: "flock(2) via Deno.FsFile.tryLockSync", reason: "Deno file locks" }
  : flock
  ? { available: true, primitive: `flock(2) via bun:ffi (${flock.library})`, reason: "Bun FFI into the C library" }
  : {
    available: false,
    primitive: "none",
    reason: typeof bunFlock === "string" ? bunFlock : "this runtime is neither Deno nor Bun: one writer per log file",
  };

/**
 * Open `path` for appending (created when missing, mode 0644 less the umask), readable too. `lock()` waits at
 * most `lockTimeoutMs` (default {@linkcode LOCK_TIMEOUT_MS}) for another holder, then throws `ETIMEDOUT`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync, readFileSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { openAppendFile, statPath } from "./log_file.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "log-file-")), "w.log");
 * const file = openAppendFile(path);
 * file.lock();
 * assert.equal(file.write(new TextEncoder().encode("one\n")), 4);
 * file.unlock();
 * assert.equal(statPath(path).ino, file.ino);
 * file.close();
 * assert.equal(readFileSync(path, "utf8"), "one\n");
 * ```
 */
export function openAppendFile(path: string, options: { lockTimeoutMs?: number } = {}): AppendFile {
  const timeoutMs = options.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
  return useDeno ? denoOpen(path, timeoutMs) : nodeOpen(path, flock, timeoutMs);
}

/**
 * The identity and size of what `path` names now (following symlinks, like opening it). Throws the OS error
 * (`code` "ENOENT" when it is gone).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statPath } from "./log_file.ts";
 * assert.equal(statPath("/").isFile, false);
 * ```
 */
export function statPath(path: string): FileIdentity {
  return useDeno ? denoStat(path) : nodeStat(path);
}
