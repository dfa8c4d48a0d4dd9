/**
 * The version, read from deno.json at build time (bundled into the binary).
 *
 * @module
 */
import meta from "../deno.json" with { type: "json" };

/** safe-exec's version. */
export const VERSION: string = meta.version;
