/**
 * Private helper of the gate and of hook mode: every path a string argument may name, read in every way the tool
 * behind it may read it (red team 10, J2). A path floor holds only when the gate reads a string as the server (an
 * upstream MCP server, an agent's own tool) will: as given; percent-decoded (`secrets%2fk`) and as a `file:` URL's
 * path; lexically normalized, as `path.resolve` does (`../ws/secrets/k` that climbs above the root and comes back,
 * `//`, `/./`, a trailing `/.`); physically, as the kernel does (`..` taken after the links before it); and with the
 * process's own folders put back (`/proc/self/cwd/…` as the folder the server runs in, `/proc/self/root/…` as `/`,
 * `/dev/fd/..` as `/proc/self`). A spelling that may name any file (another process's cwd, a folder the server
 * holds open: `/proc/1234/cwd/…`, `/dev/fd/3/…`) is "anywhere": a floor may apply.
 *
 * Red team 12: a string that is not ASCII is read in Unicode NFC too, as server-filesystem does when the name as
 * given does not exist (it opens the entry whose NFC form is the requested one's: `sécrets/k` for
 * `sécrets/k`, `Keys` (KELVIN SIGN) for `Keys`), and in NFKC, which no known server uses but which costs
 * nothing for names people write (K2); the floors' patterns are compared in NFC too (rules/config.ts). `~` and
 * `~/…` are each home folder given (the home of the user the server runs as: server-filesystem expands them), and
 * `~name/…` that user's home from /etc/passwd, else "anywhere" (K8).
 *
 * @module
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname } from "node:path";
import { pathOfValue } from "../rules/path_names.ts";

/** What a string may name: the spellings to resolve, and why it may name any file (else null). */
export interface PathReadings {
  /** The string as given, then its other readings (absolute paths, or relative ones still to resolve). */
  readonly spellings: readonly string[];
  /** Why the string may name a file anywhere (a floor may apply), or null. */
  readonly anywhere: string | null;
}

/**
 * The readings of `value`, a relative one resolved against each of `bases` (absolute folders: where the server
 * runs, the workspace root, the folders its command line names), `~` against each of `homes`. Plain strings (ASCII,
 * no `.` segment, `//`, `%`, `file:`, /proc, /dev or leading `~`) cost one test: `{ spellings: [value], anywhere:
 * null }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathReadings } from "./_path_readings.ts";
 * assert.deepEqual(pathReadings("src/a.ts", ["/ws"]), { spellings: ["src/a.ts"], anywhere: null });
 * assert.ok(pathReadings("../ws/secrets/k", ["/ws"]).spellings.includes("/ws/secrets/k"));
 * assert.ok(pathReadings("/proc/self/cwd/secrets/k", ["/ws"]).spellings.includes("/ws/secrets/k"));
 * assert.ok(pathReadings("secrets%2fk", ["/ws"]).spellings.includes("secrets/k"));
 * assert.ok(pathReadings("file:///ws/secrets%2Fk", ["/ws"]).spellings.includes("/ws/secrets/k"));
 * assert.notEqual(pathReadings("/proc/4242/cwd/k", ["/ws"]).anywhere, null);
 * assert.ok(pathReadings("se\u0301crets/k", ["/ws"]).spellings.includes("s\u00e9crets/k")); // NFC
 * assert.ok(pathReadings("\u212aeys/k", ["/ws"]).spellings.includes("Keys/k")); // KELVIN SIGN
 * assert.ok(pathReadings("~/ws/secrets/k", ["/ws"], ["/home/u"]).spellings.includes("/home/u/ws/secrets/k"));
 * assert.notEqual(pathReadings("~nosuchuser-x/k", ["/ws"]).anywhere, null);
 * ```
 */
export function pathReadings(value: string, bases: readonly string[], homes: readonly string[] = []): PathReadings {
  if (!_SPECIAL.test(value)) return { spellings: [value], anywhere: null };
  const spellings = new Set<string>([value]);
  const decoded: string[] = [value];
  const url = pathOfValue(value);
  if (url !== null && url !== value) decoded.push(url);
  for (const s of [...decoded]) {
    let d = s;
    for (let i = 0; i < 3 && /%[0-9a-f]{2}/i.test(d); i++) {
      d = _percentDecoded(d);
      decoded.push(d);
    }
  }
  // Unicode: the forms a server may look the name up in (K2)
  for (const s of [...decoded]) {
    if (!_NON_ASCII.test(s)) continue;
    for (const form of _FORMS) {
      const n = s.normalize(form);
      if (!decoded.includes(n)) decoded.push(n);
    }
  }
  let anywhere: string | null = null;
  // `~`: the home folders (K8)
  for (const s of [...decoded]) {
    if (!s.startsWith("~")) continue;
    const slash = s.indexOf("/");
    const name = slash < 0 ? s.slice(1) : s.slice(1, slash);
    const rest = slash < 0 ? "" : s.slice(slash);
    if (name !== "" && !_USER_NAME.test(name)) continue; // `~ approx.`: no user has that name
    const home = name === "" ? homes : _userHome(name);
    if (home === null) {
      anywhere ??= `${JSON.stringify(value)} starts with ${JSON.stringify(`~${name}`)}, a home folder the gate ` +
        `cannot find, which may be any folder`;
      continue;
    }
    for (const h of home) if (h.startsWith("/")) decoded.push(`${h.replace(/\/+$/, "")}${rest}` || "/");
  }
  for (const s of decoded) {
    if (s === "" || s.includes("\0")) continue;
    spellings.add(s);
    if (!_WALKED.test(s)) continue;
    const starts = s.startsWith("/") ? ["/"] : bases;
    for (const physical of [false, true]) {
      for (const start of starts) {
        const out: string[] = [];
        const why = _walk(s.split("/"), start, bases, physical, out, 0);
        for (const p of out) spellings.add(p);
        if (why !== null) anywhere ??= `${JSON.stringify(value)} ${why}`;
      }
    }
    if (spellings.size > _MAX_READINGS) {
      anywhere ??= `${JSON.stringify(value)} has more readings than the gate follows`;
      break;
    }
  }
  return { spellings: [...spellings], anywhere };
}

/**
 * Strings that may read otherwise than as given: a `.` segment, `//`, a `%` escape, `file:`, /proc or /dev, a
 * character that is not ASCII (another Unicode form), a leading `~`.
 */
const _SPECIAL = /(^|\/)\.\.?(\/|$)|\/\/|%[0-9a-f]{2}|^file:|^\/+(proc|dev)(\/|$)|[\u0080-\uffff]|^~/i;
const _NON_ASCII = /[\u0080-\uffff]/;
/** The Unicode forms a name is read in besides the one given: server-filesystem's NFC, and NFKC (K2). */
const _FORMS = ["NFC", "NFKC"] as const;
/** Spellings that are walked segment by segment (the rest are resolved as they are). */
const _WALKED = /(^|\/)\.\.?(\/|$)|\/\/|^\/+(proc|dev)(\/|$)/;
const _MAX_READINGS = 64;
const _MAX_SWAPS = 8;

/** `/proc/<who>/{cwd,root}` and a process's open files (`fd/N`, `map_files/…`). */
const _PROC_FOLDER = /^\/proc\/(self|thread-self|\d+)(\/task\/\d+)?\/(cwd|root)$/;
const _PROC_OPEN = /^\/proc\/(self|thread-self|\d+)(\/task\/\d+)?\/(fd|map_files)\/[^/]+$/;
/** `/dev` names that are links into the process's /proc. */
const _DEV_LINKS: Readonly<Record<string, string>> = {
  "/dev/fd": "/proc/self/fd",
  "/dev/stdin": "/proc/self/fd/0",
  "/dev/stdout": "/proc/self/fd/1",
  "/dev/stderr": "/proc/self/fd/2",
};

/**
 * Walk `parts` from the absolute folder `start`, pushing the absolute paths reached to `out`: `..` by the name
 * (lexical) or after the links before it (`physical`); `/proc/self/cwd` as each of `bases`, `/proc/…/root` as `/`.
 * Returns why the path may name any file, or null.
 */
function _walk(
  parts: readonly string[],
  start: string,
  bases: readonly string[],
  physical: boolean,
  out: string[],
  swaps: number,
): string | null {
  let cur = start.replace(/\/+$/, "") || "/";
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      cur = cur === "/" ? "/" : dirname(physical ? _real(cur) : cur);
      continue;
    }
    cur = cur === "/" ? `/${seg}` : `${cur}/${seg}`;
    cur = _DEV_LINKS[cur] ?? cur;
    if (!cur.startsWith("/proc/")) continue;
    if (_PROC_OPEN.test(cur)) return "names a file the process holds open, which may be any file";
    const m = _PROC_FOLDER.exec(cur);
    if (m === null) continue;
    if (m[3] === "root") {
      cur = "/";
      continue;
    }
    if (m[1] !== "self" && m[1] !== "thread-self") return "is under another process's folder, which may be any";
    if (++swaps > _MAX_SWAPS) return "names the process's folder more times than the gate follows";
    const rest = parts.slice(i + 1);
    for (const base of bases) {
      const why = _walk(rest, base, bases, physical, out, swaps);
      if (why !== null) return why;
    }
    return null;
  }
  out.push(cur);
  return null;
}

/** The real path of `p`, else `p` (missing, or not readable). */
function _real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

let _passwd: Map<string, string> | undefined;
/** A name a user account may have (POSIX's portable characters, and a trailing `$` of machine accounts). */
const _USER_NAME = /^[A-Za-z0-9._][A-Za-z0-9._-]*\$?$/;

/** The home folder of the user `name` from /etc/passwd (read once), or null when it names none there. */
function _userHome(name: string): string[] | null {
  if (_passwd === undefined) {
    _passwd = new Map();
    try {
      for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
        const f = line.split(":");
        if (f.length >= 7 && f[0] !== "" && f[5]!.startsWith("/")) _passwd.set(f[0]!, f[5]!);
      }
    } catch {
      // no /etc/passwd: every `~name` is a home the gate cannot find
    }
  }
  const home = _passwd.get(name);
  return home === undefined ? null : [home];
}

/** `%XX` escapes decoded (UTF-8 when they form it, else byte by byte). */
function _percentDecoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}
