/**
 * Old path of `cli/schema.ts`, kept only for tests/schemas/ until it imports the new path.
 *
 * @module
 */
export { toolSchemas } from "./cli/schema.ts";
