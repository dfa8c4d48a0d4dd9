/**
 * The `safe-exec` binary's entry point.
 *
 * @module
 */
import { runCli } from "./cli.ts";
import { currentRuntime } from "./runtime/mod.ts";

const runtime = await currentRuntime();
const code = await runCli(runtime.args(), runtime);
runtime.exit(code);
