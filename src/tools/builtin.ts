/**
 * Old path of `builtins/definitions.ts`, kept only for tests/schemas/ until it imports the new path.
 *
 * @module
 */
export { BUILTIN_DEFINITIONS } from "../builtins/definitions.ts";
