/**
 * Private helper of the git views: the index a sandboxed call wrote, made safe to copy back to the host (red team
 * 10, J4). An index can make the host's git look away from files: the assume-unchanged bit (`git update-index
 * --assume-unchanged`, CE_VALID) and the skip-worktree bit (`--skip-worktree`) make `git status` and `git diff` skip
 * an entry's file, so a change the agent made to it (or a file it replaced) never shows; the fsmonitor extension
 * (`FSMN`) marks entries as known unchanged, and the untracked cache (`UNTR`) lists folders as holding no new file.
 * So the copy-back clears the two bits on every entry whose path did not have them in the host's index before
 * (`keep`: an operator's sparse checkout or own assume-unchanged files stay as they were), drops the `FSMN` and
 * `UNTR` extensions (git rebuilds them on its next full scan), and writes the index's trailing checksum again.
 *
 * Runtime-free: only `node:` APIs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spawnSync } from "node:child_process";
 * import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
 * import { join } from "node:path";
 * import { tmpdir } from "node:os";
 * import { hiddenIndexPaths, revealIndex } from "./_gitindex.ts";
 * const d = mkdtempSync(join(tmpdir(), "gitindex-"));
 * const git = (...a: string[]) => spawnSync("git", a, { cwd: d, encoding: "utf8" });
 * git("init", "-q");
 * writeFileSync(join(d, "a"), "1");
 * writeFileSync(join(d, "b"), "2");
 * git("add", "a", "b");
 * git("update-index", "--assume-unchanged", "a");
 * git("update-index", "--skip-worktree", "b");
 * const index = new Uint8Array(readFileSync(join(d, ".git", "index")));
 * assert.deepEqual([...hiddenIndexPaths(index, 20)!].sort(), ["a", "b"]);
 * const r = revealIndex(index, 20, (p) => p === "b");
 * assert.ok(r.ok);
 * assert.deepEqual(r.cleared, ["a"]);
 * writeFileSync(join(d, ".git", "index"), r.data);
 * assert.equal(git("ls-files", "-v").stdout, "H a\nS b\n");
 * rmSync(d, { recursive: true, force: true });
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import { walkIndexEntries } from "../../git/gitlinks.ts";

const CE_VALID = 0x8000;
const CE_SKIP_WORKTREE = 0x4000;
/** Extensions that tell git what it need not look at; dropped, git rebuilds them. */
const LOOK_AWAY = new Set(["FSMN", "UNTR"]);

/** Walk an index's entries, their paths decoded (gitlinks.ts `walkIndexEntries`). */
function _walk(
  data: Uint8Array,
  hashBytes: number,
  visit: (e: { path: string; flagsAt: number; extendedAt: number }) => void,
): ReturnType<typeof walkIndexEntries> {
  const decoder = new TextDecoder();
  return walkIndexEntries(data, hashBytes, (e) => visit({ ...e, path: decoder.decode(e.name) }));
}

/** The paths an index marks assume-unchanged or skip-worktree, or null when it cannot be read. */
export function hiddenIndexPaths(data: Uint8Array, hashBytes: number): Set<string> | null {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Set<string>();
  const w = _walk(data, hashBytes, (e) => {
    if ((v.getUint16(e.flagsAt) & CE_VALID) || (e.extendedAt >= 0 && (v.getUint16(e.extendedAt) & CE_SKIP_WORKTREE))) {
      out.add(e.path);
    }
  });
  return w.ok ? out : null;
}

/** An index made safe to copy back: its bytes, the paths whose bits were cleared, the extensions dropped. */
export type IndexReveal =
  | { ok: true; data: Uint8Array; cleared: string[]; dropped: string[] }
  | { ok: false; reason: string };

/**
 * Clear the assume-unchanged and skip-worktree bits of every entry whose path `keep` does not accept, drop the
 * `FSMN` and `UNTR` extensions, and write the checksum again (SHA-1, or SHA-256 for `hashBytes` 32). The bytes come
 * back unchanged when there is nothing to clear or drop.
 */
export function revealIndex(data: Uint8Array, hashBytes: number, keep: (path: string) => boolean): IndexReveal {
  const out = new Uint8Array(data);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const cleared: string[] = [];
  const w = _walk(out, hashBytes, (e) => {
    const flags = v.getUint16(e.flagsAt);
    const ext = e.extendedAt >= 0 ? v.getUint16(e.extendedAt) : 0;
    if (((flags & CE_VALID) || (ext & CE_SKIP_WORKTREE)) && !keep(e.path)) {
      v.setUint16(e.flagsAt, flags & ~CE_VALID);
      if (e.extendedAt >= 0) v.setUint16(e.extendedAt, ext & ~CE_SKIP_WORKTREE);
      cleared.push(e.path);
    }
  });
  if (!w.ok) return w;
  const decoder = new TextDecoder();
  const parts: Uint8Array[] = [out.subarray(0, w.end)];
  const dropped: string[] = [];
  let at = w.end;
  const stop = out.length - hashBytes;
  while (at + 8 <= stop) {
    const sig = decoder.decode(out.subarray(at, at + 4));
    const len = v.getUint32(at + 4);
    if (at + 8 + len > stop) return { ok: false, reason: `the extension ${JSON.stringify(sig)} runs past the end` };
    if (LOOK_AWAY.has(sig)) dropped.push(sig);
    else parts.push(out.subarray(at, at + 8 + len));
    at += 8 + len;
  }
  if (at !== stop) return { ok: false, reason: "bytes between the extensions and the checksum" };
  if (cleared.length === 0 && dropped.length === 0) return { ok: true, data, cleared, dropped };
  const hash = createHash(hashBytes === 32 ? "sha256" : "sha1");
  const result = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + hashBytes);
  let n = 0;
  for (const p of parts) {
    hash.update(p);
    result.set(p, n);
    n += p.length;
  }
  result.set(hash.digest(), n);
  return { ok: true, data: result, cleared, dropped };
}
