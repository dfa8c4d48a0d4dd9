/**
 * Entry point of the confined file server when safe-exec runs from source under Deno
 * (`deno run --allow-read=ROOT --allow-write=ROOT server_main.ts ROOT`). Compiled binaries use the hidden
 * `__fs-server ROOT` command instead.
 *
 * @module
 */
import { currentRuntime } from "../../runtime/mod.ts";
import { runFileServer } from "./server.ts";

const runtime = await currentRuntime();
runtime.exit(await runFileServer(runtime, runtime.args()[0], runtime.args()[1]));
