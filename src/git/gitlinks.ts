/**
 * Private helper of the git protection: reads the paths of the submodule entries (gitlinks, mode 160000) from a
 * git index file (`DIRC`, versions 2, 3 and 4). A gitlink makes the host's `git status` run `git status` inside that
 * path, which then reads `<path>/.git` and whatever git dir it names: so the sandbox pins existing submodule `.git`
 * entries and never copies an index that adds a gitlink back to the host.
 *
 * Runtime-free: no imports.
 *
 * @module
 */

/** The gitlink paths of an index, or why they could not be read. */
export type GitlinkScan = { ok: true; gitlinks: Set<string>; entries: number } | { ok: false; reason: string };

const S_IFMT = 0o170000;
const S_IFGITLINK = 0o160000;

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
  if (data.length < 12) return { ok: false, reason: "shorter than an index header" };
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (v.getUint32(0) !== 0x44495243) return { ok: false, reason: "no DIRC signature" };
  const version = v.getUint32(4);
  if (version < 2 || version > 4) return { ok: false, reason: `index version ${version}` };
  const count = v.getUint32(8);
  const decoder = new TextDecoder();
  const gitlinks = new Set<string>();
  let at = 12;
  let previous: Uint8Array = new Uint8Array(0);
  const fixed = 40 + hashBytes + 2; // ctime, mtime, dev, ino, mode, uid, gid, size (40), the hash, the flags
  for (let i = 0; i < count; i++) {
    if (at + fixed > data.length) return { ok: false, reason: `entry ${i} runs past the end` };
    const mode = v.getUint32(at + 24);
    const flags = v.getUint16(at + 40 + hashBytes);
    let nameAt = at + fixed;
    if (flags & 0x4000) {
      if (version < 3) return { ok: false, reason: "extended flags in a version 2 index" };
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
    if ((mode & S_IFMT) === S_IFGITLINK) gitlinks.add(decoder.decode(name));
  }
  // Extensions: a four-byte signature and a length each, until the trailing hash.
  while (at + 8 <= data.length - hashBytes) {
    const sig = decoder.decode(data.subarray(at, at + 4));
    const len = v.getUint32(at + 4);
    if (sig === "link") return { ok: false, reason: "a split index (core.splitIndex)" };
    at += 8 + len;
  }
  return { ok: true, gitlinks, entries: count };
}
