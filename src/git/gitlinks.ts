/**
 * Private helper of the git protection: reads the paths of the submodule entries (gitlinks, mode 160000) from a
 * git index file (`DIRC`, versions 2, 3 and 4). A gitlink makes the host's `git status` run `git status` inside that
 * path, which then reads `<path>/.git` and whatever git dir it names: so the sandbox pins existing submodule `.git`
 * entries and never copies an index that adds a gitlink back to the host.
 *
 * Runtime-free: no imports. {@linkcode walkIndexEntries} is the index walk the git views share (_gitindex.ts).
 *
 * @module
 */

/** The gitlink paths of an index, or why they could not be read. */
export type GitlinkScan = { ok: true; gitlinks: Set<string>; entries: number } | { ok: false; reason: string };

const S_IFMT = 0o170000;
const S_IFGITLINK = 0o160000;

/** One entry of an index, as {@linkcode walkIndexEntries} meets it. */
export interface IndexEntry {
  /** The path's bytes (version 4's prefix compression undone). */
  readonly name: Uint8Array;
  /** The entry's mode (`0o100644`, `0o160000` for a gitlink, …). */
  readonly mode: number;
  /** Offset of the entry's 16-bit flags in the index (bit 15: assume-unchanged, bit 14: extended flags follow). */
  readonly flagsAt: number;
  /** Offset of the 16-bit extended flags (bit 14: skip-worktree), or -1 when the entry has none. */
  readonly extendedAt: number;
}

/**
 * Walk the entries of a git index (`DIRC`, versions 2, 3 and 4; `hashBytes` 20 for SHA-1, 32 for SHA-256), in
 * order; the offset where its extensions start, or why it cannot be read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { walkIndexEntries } from "./gitlinks.ts";
 * const empty = new Uint8Array([0x44, 0x49, 0x52, 0x43, 0, 0, 0, 2, 0, 0, 0, 0]);
 * assert.deepEqual(walkIndexEntries(empty, 20, () => {}), { ok: true, end: 12 });
 * assert.deepEqual(walkIndexEntries(new Uint8Array(12), 20, () => {}), { ok: false, reason: "no DIRC signature" });
 * ```
 */
export function walkIndexEntries(
  data: Uint8Array,
  hashBytes: number,
  visit: (e: IndexEntry) => void,
): { ok: true; end: number } | { ok: false; reason: string } {
  if (data.length < 12) return { ok: false, reason: "shorter than an index header" };
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getUint32(0) !== 0x44495243) return { ok: false, reason: "no DIRC signature" };
  const version = v.getUint32(4);
  if (version < 2 || version > 4) return { ok: false, reason: `index version ${version}` };
  const count = v.getUint32(8);
  let at = 12;
  let previous: Uint8Array = new Uint8Array(0);
  const fixed = 40 + hashBytes + 2; // ctime, mtime, dev, ino, mode, uid, gid, size (40), the hash, the flags
  for (let i = 0; i < count; i++) {
    if (at + fixed > data.length) return { ok: false, reason: `entry ${i} runs past the end` };
    const mode = v.getUint32(at + 24);
    const flagsAt = at + 40 + hashBytes;
    const flags = v.getUint16(flagsAt);
    let nameAt = at + fixed;
    let extendedAt = -1;
    if (flags & 0x4000) {
      if (version < 3) return { ok: false, reason: "extended flags in a version 2 index" };
      extendedAt = nameAt;
      nameAt += 2;
    }
    let name: Uint8Array;
    if (version === 4) {
      let c = data[nameAt++];
      if (c === undefined) return { ok: false, reason: `entry ${i} runs past the end` };
      let strip = c & 127;
      while (c & 128) {
        c = data[nameAt++];
        if (c === undefined) return { ok: false, reason: `entry ${i} runs past the end` };
        strip = ((strip + 1) << 7) + (c & 127);
      }
      if (strip > previous.length) return { ok: false, reason: `entry ${i} strips more than the previous path` };
      const end = data.indexOf(0, nameAt);
      if (end < 0) return { ok: false, reason: `entry ${i} has no end` };
      const suffix = data.subarray(nameAt, end);
      name = new Uint8Array(previous.length - strip + suffix.length);
      name.set(previous.subarray(0, previous.length - strip));
      name.set(suffix, previous.length - strip);
      at = end + 1;
    } else {
      const end = data.indexOf(0, nameAt);
      if (end < 0) return { ok: false, reason: `entry ${i} has no end` };
      name = data.subarray(nameAt, end);
      at += ((nameAt - at) + name.length + 8) & ~7;
    }
    previous = name;
    visit({ name, mode, flagsAt, extendedAt });
  }
  return { ok: true, end: at };
}

/**
 * Scan an index for gitlinks. `hashBytes` is 20 (SHA-1) or 32 (SHA-256, `extensions.objectformat = sha256`).
 * A split index (the `link` extension) is reported as not readable: its entries live in another file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanGitlinks } from "./gitlinks.ts";
 * const empty = new Uint8Array([0x44, 0x49, 0x52, 0x43, 0, 0, 0, 2, 0, 0, 0, 0]);
 * const r = scanGitlinks(empty);
 * assert.ok(r.ok && r.gitlinks.size === 0);
 * ```
 */
export function scanGitlinks(data: Uint8Array, hashBytes = 20): GitlinkScan {
  const decoder = new TextDecoder();
  const gitlinks = new Set<string>();
  const w = walkIndexEntries(data, hashBytes, (e) => {
    if ((e.mode & S_IFMT) === S_IFGITLINK) gitlinks.add(decoder.decode(e.name));
  });
  if (!w.ok) return w;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = v.getUint32(8);
  let at = w.end;
  // Extensions: a four-byte signature and a length each, until the trailing hash.
  while (at + 8 <= data.length - hashBytes) {
    const sig = decoder.decode(data.subarray(at, at + 4));
    const len = v.getUint32(at + 4);
    if (sig === "link") return { ok: false, reason: "a split index (core.splitIndex)" };
    at += 8 + len;
  }
  return { ok: true, gitlinks, entries: count };
}
