/**
 * `safe-exec log stats|verify|tail [FILE] [-n N]` (SPEC §5): read a witness log.
 *
 * @module
 */
import { statsOfFile, tailLog, verifyLog } from "./witness.ts";

/** Where the command writes: one line per call, without a trailing newline. */
export interface LogCommandIo {
  /** Results (stdout). */
  out: (line: string) => void;
  /** Diagnostics (stderr). */
  err: (line: string) => void;
}

/** The witness log read when no FILE is given. */
export const DEFAULT_WITNESS_PATH = "./witness.log";

const DEFAULT_TAIL = 20;

const USAGE = [
  "usage: safe-exec log stats|verify|tail [FILE] [-n N]",
  "  stats   counts by event, decision and tool, as JSON",
  "  verify  check the hash chain; prints `ok: N lines, head <sha256>` or `broken: <reason>`",
  "  tail    the last N lines (default 20)",
  `FILE defaults to ${DEFAULT_WITNESS_PATH}.`,
];

class UsageError extends Error {}

function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const msg = err.message.replace(/ \(os error \d+\)$/, "").replace(/, [a-z_]+(?: '.*')?$/, "");
  return typeof code === "string" && !msg.startsWith(code) ? `${code}: ${msg}` : msg;
}

/**
 * Run `safe-exec log …` with the arguments after `log`. Returns the exit code: 0 ok, 1 when verify finds the log
 * broken or the file cannot be read, 2 for a usage error (a one-line reason on `err` pointing to --help).
 *
 * - `stats [FILE]` prints the counts of {@linkcode statsOfFile} as one line of JSON.
 * - `verify [FILE]` prints `ok: N lines, head <sha256 of the last line>` (keep the head elsewhere: it is the only
 *   anchor for the last line) or `broken: line N: <reason>`.
 * - `tail [FILE] [-n N]` prints the last N lines (default 20) as they are in the file.
 * - `--help` / `-h` prints the usage on `out` and returns 0.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { WitnessLog } from "./witness.ts";
 * import { runLogCommand } from "./log_cmd.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * log.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
 * log.close();
 * const out: string[] = [];
 * const code = runLogCommand(["verify", path], { out: (l) => out.push(l), err: (l) => out.push(l) });
 * console.assert(code === 0 && out[0]!.startsWith("ok: 1 lines, head "));
 * ```
 */
export function runLogCommand(args: string[], io: LogCommandIo): number {
  let sub: string;
  let file = DEFAULT_WITNESS_PATH;
  let lines = DEFAULT_TAIL;
  try {
    const rest = [...args];
    if (rest.some((a) => a === "--help" || a === "-h")) {
      for (const line of USAGE) io.out(line);
      return 0;
    }
    const first = rest.shift();
    if (first === undefined) throw new UsageError("log needs a subcommand: stats, verify or tail");
    if (first !== "stats" && first !== "verify" && first !== "tail") {
      throw new UsageError(`unknown log subcommand ${JSON.stringify(first)}: expected stats, verify or tail`);
    }
    sub = first;
    let fileSeen = false;
    let onlyFiles = false;
    while (rest.length > 0) {
      const arg = rest.shift() as string;
      if (!onlyFiles && arg === "--") {
        onlyFiles = true;
        continue;
      }
      if (!onlyFiles && (arg === "-n" || arg.startsWith("-n=") || arg === "--lines" || arg.startsWith("--lines="))) {
        if (sub !== "tail") throw new UsageError(`${arg.split("=")[0]} only applies to log tail`);
        const eq = arg.indexOf("=");
        const value = eq === -1 ? rest.shift() : arg.slice(eq + 1);
        if (value === undefined) throw new UsageError(`${arg} needs a number of lines`);
        if (!/^\d{1,9}$/.test(value)) {
          throw new UsageError(`-n is ${JSON.stringify(value)}, expected a whole number of lines >= 0`);
        }
        lines = Number(value);
        continue;
      }
      if (!onlyFiles && arg.startsWith("-") && arg !== "-") {
        throw new UsageError(`unknown option ${JSON.stringify(arg)} for log ${sub}`);
      }
      if (fileSeen) throw new UsageError(`log ${sub} takes one FILE, got another: ${JSON.stringify(arg)}`);
      if (arg === "") throw new UsageError("FILE is empty, expected a path");
      file = arg;
      fileSeen = true;
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`safe-exec log: ${err.message} (see safe-exec --help)`);
    return 2;
  }

  try {
    if (sub === "stats") {
      io.out(JSON.stringify(statsOfFile(file)));
      return 0;
    }
    if (sub === "verify") {
      const result = verifyLog(file);
      if (result.ok) {
        io.out(`ok: ${result.lines} lines, head ${result.head}`);
        return 0;
      }
      io.out(`broken: ${result.reason}`);
      return 1;
    }
    for (const line of tailLog(file, lines)) io.out(line);
    return 0;
  } catch (err) {
    io.err(`safe-exec log ${sub}: cannot read ${JSON.stringify(file)}: ${reasonOf(err)}`);
    return 1;
  }
}
