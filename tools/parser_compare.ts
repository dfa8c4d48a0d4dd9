/**
 * Old path of `_tools/parser_compare.ts`, kept only for tests/rules/ until it imports the new path.
 *
 * @module
 */
export * from "../_tools/parser_compare.ts";
