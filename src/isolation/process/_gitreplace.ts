/**
 * Private helper of the git views: refs that change what the host's git reads rather than where a branch points
 * never reach the host (red team 9, H16). git honours `refs/replace/<oid>` in every command by default (checkout,
 * `show`, `diff`, `log -p`): one made in the sandbox would swap any blob the operator later checks out (a committed
 * `core.hooksPath` hook) for the agent's. So the copy-back leaves out every loose ref and reflog under
 * `refs/replace/`, and every `refs/replace/` line of `packed-refs` (with its peeled `^` line); the sandbox's own
 * view keeps them, so git inside the sandbox behaves as the agent asked.
 *
 * Not dropped, and why: `refs/notes/*` only add text to `git log`/`show` output and never change what a checkout
 * writes; `shallow` is checked to name existing commits (it can only hide history); `info/grafts` and
 * `objects/info/alternates` are not copied back at all (the view's `info/` is read-only, its object store private).
 *
 * Runtime-free: only `node:` APIs.
 *
 * @module
 */

/** The ref prefixes whose refs change how the host's git reads objects. */
export const HOST_HIDDEN_REFS: readonly string[] = ["refs/replace/"];

/**
 * Whether a ref (its full name, `refs/…`) must not be copied to the host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hostHiddenRef } from "./_gitreplace.ts";
 * assert.equal(hostHiddenRef("refs/replace/0123abcd"), true);
 * assert.equal(hostHiddenRef("refs/heads/replace/x"), false);
 * assert.equal(hostHiddenRef("refs/notes/commits"), false);
 * ```
 */
export function hostHiddenRef(full: string): boolean {
  return HOST_HIDDEN_REFS.some((p) => full.startsWith(p));
}

/**
 * `packed-refs` without its host-hidden refs (and the `^` peel line after each): the bytes to copy to the host and
 * the names left out (empty when nothing was, and then `data` is returned unchanged). A hidden ref the host's own
 * `packed-refs` (`host`) already holds with the same object is the operator's, and is kept: the copy-back of a call
 * that packed refs (`git pack-refs`, `git gc`) must not delete the operator's replace refs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withoutHiddenPackedRefs } from "./_gitreplace.ts";
 * const a = "a".repeat(40), b = "b".repeat(40);
 * const text = `# pack-refs with: peeled fully-peeled sorted \n${a} refs/heads/main\n${b} refs/replace/${a}\n^${a}\n`;
 * const r = withoutHiddenPackedRefs(new TextEncoder().encode(text));
 * assert.equal(new TextDecoder().decode(r.data), `# pack-refs with: peeled fully-peeled sorted \n${a} refs/heads/main\n`);
 * assert.deepEqual(r.dropped, [`refs/replace/${a}`]);
 * const own = withoutHiddenPackedRefs(new TextEncoder().encode(text), new TextEncoder().encode(text));
 * assert.deepEqual(own.dropped, []);
 * ```
 */
export function withoutHiddenPackedRefs(
  data: Uint8Array,
  host: Uint8Array | null = null,
): { data: Uint8Array; dropped: string[] } {
  const lines = new TextDecoder().decode(data).split("\n");
  const own = new Set(host === null ? [] : new TextDecoder().decode(host).split("\n").map((l) => l.trimEnd()));
  const dropped: string[] = [];
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (line.startsWith("^")) {
      if (!dropping) kept.push(line);
      continue;
    }
    const m = /^[0-9a-f]+ (refs\/.*)$/.exec(line);
    dropping = m !== null && hostHiddenRef(m[1]!) && !own.has(line.trimEnd());
    if (dropping) dropped.push(m![1]!);
    else kept.push(line);
  }
  return dropped.length === 0 ? { data, dropped } : { data: new TextEncoder().encode(kept.join("\n")), dropped };
}
