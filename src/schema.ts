/**
 * Old path of `gate/validate_args.ts`, kept only for tests/schemas/ until it imports the new path.
 *
 * @module
 */
export { validateArgs } from "./gate/validate_args.ts";
