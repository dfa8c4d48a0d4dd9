/**
 * `safe-exec check TOOL --args JSON`: what the gate would decide for the call now (SPEC §3.1), with the rules that
 * matched, as one JSON line on stdout. Nothing is asked, run or logged (the witness log is not opened); exit 0
 * whatever the decision, 2 for bad usage or config.
 *
 * @module
 */
import process from "node:process";
import { createApp } from "../app.ts";
import { resolveConfig } from "../config/resolve.ts";
import { objectArgs } from "../gate/_string_args.ts";
import { overrides } from "./args.ts";
import { UsageError } from "./args.ts";
import type { Command } from "./_context.ts";

/** Preview one call. */
export const checkCommand: Command = async (args, { runtime, io }) => {
  const tool = args.positional[0];
  if (tool === undefined || args.positional.length > 1) {
    throw new UsageError(`check needs one TOOL, e.g. safe-exec check run_bash --args '{"cmd":"git status"}'`);
  }
  let callArgs: unknown = {};
  if (args.options.args !== undefined) {
    try {
      callArgs = objectArgs(JSON.parse(args.options.args));
    } catch (e) {
      throw new UsageError(`--args must be JSON (${(e as Error).message}), got ${JSON.stringify(args.options.args)}`);
    }
  }
  const app = createApp(resolveConfig(overrides(args.options), process.cwd()), runtime);
  try {
    const c = await app.executor.check(tool, callArgs);
    io.out(JSON.stringify({ type: "check", ...c }));
    return 0;
  } finally {
    await app.shutdown(); // an upstream server started to list its tools is gone before we exit
  }
};
