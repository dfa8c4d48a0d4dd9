/**
 * Confirm handlers for the `--confirm` modes other than `client`: `deny`, `tty` and `exec:PROGRAM`.
 *
 * @module
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import type { Runtime } from "./runtime/types.ts";
import type { ConfirmHandler, ConfirmRequest } from "./types.ts";

/** Nothing is approved (for CI). */
export const denyAll: ConfirmHandler = () => false;

/** The confirm_request a program or a person sees. */
export function confirmPayload(req: ConfirmRequest, id: string | number | null = null): Record<string, unknown> {
  return {
    type: "confirm_request",
    id,
    tool: req.tool,
    args: req.args,
    risk: req.risk,
    fatigue: req.fatigue,
    rationale: req.rationale,
  };
}

/**
 * `exec:PROGRAM`: run PROGRAM (split on spaces into program and arguments, no shell) with the confirm_request as
 * JSON on stdin; exit status 0 approves. It gets the host's environment (it is the operator's program, not the
 * agent's), and its process group is killed when the confirmation times out.
 *
 * @example
 * ```ts
 * import { execConfirm } from "./confirm.ts";
 * import { currentRuntime } from "./runtime/mod.ts";
 * const approve = execConfirm("true", await currentRuntime());
 * const req = { tool: "t", args: {}, risk: "high" as const, fatigue: 0, rationale: "r", signal: new AbortController().signal };
 * console.assert(await approve(req) === true);
 * console.assert(await execConfirm("false", await currentRuntime())(req) === false);
 * ```
 */
export function execConfirm(program: string, runtime: Runtime): ConfirmHandler {
  const argv = program.trim().split(/\s+/).filter((s) => s.length > 0);
  if (argv.length === 0) throw new TypeError(`--confirm exec:PROGRAM needs a program, got ${JSON.stringify(program)}`);
  return async (req) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (typeof v === "string") env[k] = v;
    const child = runtime.spawn({
      argv,
      cwd: process.cwd(),
      env,
      stdin: new TextEncoder().encode(JSON.stringify(confirmPayload(req)) + "\n"),
    });
    const onAbort = () => runtime.killGroup(child.pid, "SIGKILL");
    req.signal.addEventListener("abort", onAbort, { once: true });
    // Drain its output so it never blocks on a full pipe; echo it to nobody.
    const drain = (s: ReadableStream<Uint8Array>) => s.pipeTo(new WritableStream()).catch(() => {});
    drain(child.stdout);
    drain(child.stderr);
    try {
      const status = await child.exited;
      return status.exitCode === 0;
    } finally {
      req.signal.removeEventListener("abort", onAbort);
    }
  };
}

/**
 * `tty`: ask a person on the controlling terminal (`/dev/tty`), not on stdin/stdout, which carry the protocol.
 * Without a terminal nothing is approved. The question blocks this process while it waits, so use `tty` for a
 * person at the keyboard, and `client` or `exec:` for programs.
 */
export function ttyConfirm(): ConfirmHandler {
  return (req) => {
    let fd: number;
    try {
      fd = openSync("/dev/tty", "r+");
    } catch (e) {
      throw new Error(`no terminal to ask on (/dev/tty: ${(e as Error).message})`);
    }
    try {
      const args = JSON.stringify(req.args);
      const shown = args.length > 300 ? args.slice(0, 300) + "…" : args;
      writeSync(
        fd,
        `\nsafe-exec: the agent wants to run ${req.tool} ${shown}\n  ${req.rationale}\nApprove? [y/N] `,
      );
      const buf = new Uint8Array(256);
      const n = readSync(fd, buf);
      const answer = new TextDecoder().decode(buf.subarray(0, n)).trim().toLowerCase();
      return answer === "y" || answer === "yes";
    } finally {
      closeSync(fd);
    }
  };
}

/** Build the handler for a non-client confirm mode. */
export function confirmHandlerFor(mode: string, runtime: Runtime): ConfirmHandler {
  if (mode === "deny") return denyAll;
  if (mode === "tty") return ttyConfirm();
  if (mode.startsWith("exec:")) return execConfirm(mode.slice(5), runtime);
  throw new TypeError(`Unknown confirm mode ${JSON.stringify(mode)}; expected client, deny, tty or exec:PROGRAM`);
}
