/**
 * `safe-exec exec TOOL --args JSON`: one call, its result as one JSON line on stdout, exit 0 when it succeeded.
 *
 * @module
 */
import { confirmHandlerFor } from "../gate/confirm.ts";
import { LineWriter } from "../transport/stdio.ts";
import { resultResponse } from "../transport/jsonl/wire.ts";
import { UsageError } from "./args.ts";
import { type Command, startApp } from "./_context.ts";

/** Run one call; ASK is answered on the terminal unless `--confirm` says otherwise. */
export const execCommand: Command = async (args, { runtime }) => {
  const tool = args.positional[0];
  if (tool === undefined) {
    throw new UsageError('exec needs a TOOL, e.g. safe-exec exec read_file --args \'{"path":"a.txt"}\'');
  }
  let callArgs: unknown = {};
  if (args.options.args !== undefined) {
    try {
      callArgs = JSON.parse(args.options.args);
    } catch (e) {
      throw new UsageError(`--args must be JSON (${(e as Error).message}), got ${JSON.stringify(args.options.args)}`);
    }
  }
  const app = startApp(args.options, runtime);
  const confirm = confirmHandlerFor(app.config.confirm === "client" ? "tty" : app.config.confirm, runtime);
  const r = await app.executor.execute(tool, callArgs, { confirm });
  const out = new LineWriter(runtime);
  out.send(resultResponse(null, r));
  await out.drain();
  await app.shutdown();
  return r.ok ? 0 : 1;
};
