/**
 * `node:crypto`, loaded at its first use instead of at the start of every command.
 *
 * Why not a static import: in the Bun binary (one bundle, split into chunks) every `import … from "node:crypto"`
 * is a top-level import of the chunk that holds it, and Bun's `node:crypto` pulls in its stream modules when it
 * loads: about 3 ms of a hook event's 25 (measured with `--cpu-prof` on the binary). The hook needs no
 * `node:crypto` on Bun (its hash is `Bun.SHA256`, signing happens only with a key configured), so the modules that
 * need it take it from here, when they run. `process.getBuiltinModule` is the standard synchronous way (Node 22.3,
 * Deno, Bun). Runtime-free (in runtime/ so that every layer can use it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeCrypto } from "./node_crypto.ts";
 * assert.equal(nodeCrypto().createHash("sha256").update("abc").digest("hex").slice(0, 8), "ba7816bf");
 * assert.equal(nodeCrypto(), nodeCrypto());
 * ```
 *
 * @module
 */
import process from "node:process";

type NodeCrypto = typeof import("node:crypto");

let _crypto: NodeCrypto | null = null;

/** The `node:crypto` module (loaded on the first call). */
export function nodeCrypto(): NodeCrypto {
  if (_crypto === null) {
    const m = process.getBuiltinModule("node:crypto") as NodeCrypto | undefined;
    if (m === undefined) throw new Error("this runtime has no node:crypto (process.getBuiltinModule)");
    _crypto = m;
  }
  return _crypto;
}
