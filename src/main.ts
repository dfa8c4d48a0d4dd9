/**
 * The `safe-exec` binary's entry point. The confined file server, which the binary starts as its own child
 * (`safe-exec __fs-server ROOT --confined`), is dispatched here before anything else: it never goes through the
 * command line's parser. Everything else goes to the CLI (`cli/run.ts`).
 *
 * @module
 */
import { runCli } from "./cli/run.ts";
import { FILE_SERVER_ARG } from "./runtime/file_server.ts";
import { currentRuntime } from "./runtime/mod.ts";

const runtime = await currentRuntime();
const argv = runtime.args();
if (argv[0] === FILE_SERVER_ARG) {
  const { runFileServer } = await import("./isolation/files/server.ts");
  runtime.exit(await runFileServer(runtime, argv[1], argv[2]));
}
const code = await runCli(argv, runtime);
await runtime.flushStderr(1000); // a server's queued diagnostics, unless nobody reads them
runtime.exit(code);
