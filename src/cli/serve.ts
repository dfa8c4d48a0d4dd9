/**
 * `safe-exec serve` (the default command): the JSON-lines protocol on stdin/stdout (SPEC §3).
 *
 * @module
 */
import { confirmHandlerFor } from "../gate/confirm.ts";
import { serveJsonLines } from "../transport/jsonl/stdio.ts";
import { UsageError } from "./args.ts";
import { type Command, startApp } from "./_context.ts";

/** Serve until EOF, a closed stdout or a signal; resolves to the exit code. */
export const serveCommand: Command = async (args, { runtime }) => {
  if (args.positional.length > 0) {
    throw new UsageError(`serve takes no positional arguments, got ${JSON.stringify(args.positional[0])}`);
  }
  const app = startApp(args.options, runtime);
  runtime.queueStderr(); // a client that never reads our stderr must not stop the server
  const confirm = app.config.confirm === "client" ? "client" : confirmHandlerFor(app.config.confirm, runtime);
  const code = await serveJsonLines(runtime, { executor: app.executor, confirm, info: app.info });
  await app.shutdown();
  return code;
};
