/**
 * Private helper of the git views: the checks a top-level data file of a view must pass before it is copied back to
 * the host (red team 2, F3). Files that name commits (`shallow`, `MERGE_HEAD`, `ORIG_HEAD`, `CHERRY_PICK_HEAD`, …)
 * must be lines of object names that exist in the host's object store once the call's objects are merged;
 * `packed-refs` must be git's format with valid ref names; `FETCH_HEAD` lines must start with an object name.
 * A garbage `shallow` breaks every `git log` of the host, and a `MERGE_HEAD` of the agent's choice turns the
 * operator's next commit into a merge: neither may reach the host unchecked.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { refPathOk } from "./_gitdata.ts";
import { lstatOr, readNoFollow } from "./_gitview_io.ts";

const OID_FILES = new Set([
  "shallow",
  "MERGE_HEAD",
  "ORIG_HEAD",
  "AUTO_MERGE",
  "CHERRY_PICK_HEAD",
  "REVERT_HEAD",
  "REBASE_HEAD",
]);

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether a pack index (version 2) at `idx` lists `oid`. */
function inPackIndex(idx: string, oid: string, hashBytes: number): boolean {
  const data = readNoFollow(idx, 1 << 30);
  if (data === null || data.length < 8 + 1024) return false;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (dv.getUint32(0) !== 0xff744f63 || dv.getUint32(4) !== 2) return false;
  const first = parseInt(oid.slice(0, 2), 16);
  let lo = first === 0 ? 0 : dv.getUint32(8 + (first - 1) * 4);
  let hi = dv.getUint32(8 + first * 4);
  const base = 8 + 1024;
  if (base + hi * hashBytes > data.length) return false;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = hex(data.subarray(base + mid * hashBytes, base + (mid + 1) * hashBytes));
    if (at === oid) return true;
    if (at < oid) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/**
 * An object exists in the object store `objects` (a loose object or in a pack).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawnSync } from "node:child_process";
 * import { mkdtempSync, realpathSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { objectExists } from "./_gitdatafiles.ts";
 * const d = realpathSync(mkdtempSync(join(tmpdir(), "oe-")));
 * const git = (...a: string[]) => spawnSync("git", a, { cwd: d, encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
 * git("init", "-q");
 * git("-c", "user.name=a", "-c", "user.email=a@b", "commit", "-q", "--allow-empty", "-m", "x");
 * const head = git("rev-parse", "HEAD").stdout.trim();
 * assert.equal(objectExists(join(d, ".git", "objects"), head, 20), true);
 * git("repack", "-q", "-a", "-d");
 * assert.equal(objectExists(join(d, ".git", "objects"), head, 20), true);
 * assert.equal(objectExists(join(d, ".git", "objects"), "1".repeat(40), 20), false);
 * rmSync(d, { recursive: true });
 * ```
 */
export function objectExists(objects: string, oid: string, hashBytes: number): boolean {
  if (lstatOr(join(objects, oid.slice(0, 2), oid.slice(2)))?.isFile()) return true;
  let packs: string[];
  try {
    packs = readdirSync(join(objects, "pack"));
  } catch {
    return false;
  }
  return packs.some((p) => p.endsWith(".idx") && inPackIndex(join(objects, "pack", p), oid, hashBytes));
}

/** Why the data file `name` (its bytes `data`) must not reach the host's git dir whose store is `objects`, or null. */
export function dataFileInvalid(name: string, data: Uint8Array, objects: string, hashBytes: number): string | null {
  const text = new TextDecoder().decode(data);
  const oidRe = hashBytes === 32 ? "[0-9a-f]{64}" : "[0-9a-f]{40}";
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const bad = (line: string, what: string) => `line ${JSON.stringify(line.slice(0, 80))} is not ${what}`;
  if (OID_FILES.has(name)) {
    const re = new RegExp(`^${oidRe}$`);
    for (const line of lines) {
      if (!re.test(line)) return bad(line, "an object name");
      if (!objectExists(objects, line, hashBytes)) return `it names ${line}, which is not in the repository`;
    }
    return null;
  }
  if (name === "packed-refs") {
    const ref = new RegExp(`^${oidRe} (refs/.+)$`);
    const peel = new RegExp(`^\\^${oidRe}$`);
    for (const [i, line] of lines.entries()) {
      if (i === 0 && line.startsWith("# pack-refs with:")) continue;
      const m = ref.exec(line);
      if (!(m && refPathOk(m[1]!)) && !peel.test(line)) return bad(line, "a packed ref");
    }
    return null;
  }
  if (name === "FETCH_HEAD") {
    const re = new RegExp(`^${oidRe}\t`);
    for (const line of lines) if (!re.test(line)) return bad(line, "a fetched ref");
  }
  return null;
}
