/**
 * Test helper for the suites that attack (or need) the bubblewrap sandbox: the visible skip reason where bwrap
 * cannot run here, a temporary "world" (a base folder holding the workspace, the witness log, the config and
 * whatever else must stay outside) with a `safe-exec serve` on it, and the closing test that stops the servers
 * and removes their worlds.
 *
 * @example
 * ```ts ignore
 * import { sandboxSkip, serveWorld, stopServersTest } from "./_world.ts";
 * import { sandboxTargets } from "../_targets.ts";
 *
 * const SKIP = sandboxSkip("the example attack suite");
 * const worlds = new Map<string, ReturnType<typeof serveWorld>>();
 * for (const target of sandboxTargets()) {
 *   Deno.test({ name: `[${target.name}] attack`, ignore: SKIP !== null, async fn() {
 *     const w = serveWorld(target, { prefix: "se-example-", config: { confirm: "exec:true" } });
 *     worlds.set(target.name, w);
 *     // ... w.serve.call("run_bash", { cmd: "..." }), then assert on files under w.base, outside w.ws
 *   } });
 * }
 * stopServersTest("example attack suite: stop the servers", SKIP, () => worlds.values());
 * ```
 *
 * @module
 */
import { mkdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { probeBwrap } from "../../src/isolation/process/probe.ts";
import { tempDir } from "../_temp.ts";
import type { Target } from "../_targets.ts";
import { type Serve, startServe } from "../e2e/_serve.ts";

/**
 * Why the sandboxed tests of a file cannot run here (bwrap missing, no user namespaces, no tmpfs mount: whatever
 * {@link probeBwrap} found), or `null` where they can. A reason is printed to stderr at once, as
 * `*** SKIPPING <what>: <reason> ***`, so that the tests given `ignore: reason !== null` are never skipped silently.
 *
 * @param what The skipped tests, as the printed line names them ("the git attack suite").
 * @param opts `hint: false` leaves the install hint (`; apt-get install bubblewrap`) out of the reason.
 */
export function sandboxSkip(what: string, opts: { hint?: boolean } = {}): string | null {
  const probe = probeBwrap();
  if (probe.available) return null;
  const reason = `bubblewrap cannot run here (${probe.reason})${
    opts.hint === false ? "" : "; apt-get install bubblewrap"
  }`;
  console.error(`\n*** SKIPPING ${what}: ${reason} ***\n`);
  return reason;
}

/**
 * A new folder under the system's temporary folder with its real path (what the sandbox and the server see; /tmp
 * may be a link), removed at the end of the test run at the latest (tests/_temp.ts).
 */
export function tempBase(prefix: string): string {
  return realpathSync(tempDir(prefix));
}

/** A temporary world with a live `safe-exec serve` on its workspace. */
export interface ServeWorld {
  /** The base folder: the workspace's parent, outside the sandbox's view. */
  base: string;
  /** The workspace, `<base>/ws`. */
  ws: string;
  /** The witness log, `<base>/witness.log`. */
  witness: string;
  /** The config file the server reads. */
  config: string;
  /** The running server. */
  serve: Serve;
}

/** How {@link serveWorld} lays out its world. */
export interface ServeWorldOptions {
  /** The temporary folder's name prefix (`se-gitatk-`). */
  prefix: string;
  /** The config, written as JSON to `configFile` beside the workspace. */
  config: Record<string, unknown>;
  /** The config file's name in the base folder; `se.json` unless given. */
  configFile?: string;
  /** Further folders made in the base folder before the server starts (`outside`). */
  dirs?: string[];
  /** Variables added to the server's environment. */
  env?: Record<string, string>;
}

/**
 * Make a world (base folder, `ws`, the extra `dirs`, the config) and start `serve` of `target` in it with
 * `--workspace`, `--witness` and `--config` naming them.
 */
export function serveWorld(target: Target, opts: ServeWorldOptions): ServeWorld {
  const base = tempBase(opts.prefix);
  const ws = join(base, "ws");
  mkdirSync(ws);
  for (const d of opts.dirs ?? []) mkdirSync(join(base, d));
  const config = join(base, opts.configFile ?? "se.json");
  writeFileSync(config, JSON.stringify(opts.config));
  const witness = join(base, "witness.log");
  const serve = startServe(target, base, ["--workspace", ws, "--witness", witness, "--config", config], {
    env: opts.env ?? {},
  });
  return { base, ws, witness, config, serve };
}

/** A world {@link stopServersTest} can stop: its server (or a `stop` of its own) and its base folder. */
export type Stoppable = { base: string; serve: { close(): Promise<unknown> } } | {
  base: string;
  stop(): Promise<unknown>;
};

/**
 * Register the file's last test, `name`: stop every server of `worlds()` (read when it runs) and remove its base
 * folder, then run `after` (final assertions on the host, removing canaries). Ignored with `skip` like the tests
 * that made the worlds; the servers outlive single tests, so the op and resource sanitizers are off.
 */
export function stopServersTest(
  name: string,
  skip: string | null,
  worlds: () => Iterable<Stoppable>,
  after?: () => void,
): void {
  Deno.test({
    name,
    ignore: skip !== null,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      for (const w of worlds()) {
        if ("serve" in w) await w.serve.close();
        else await w.stop();
        rmSync(w.base, { recursive: true, force: true });
      }
      after?.();
    },
  });
}
