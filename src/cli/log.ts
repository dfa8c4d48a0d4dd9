/**
 * `safe-exec log stats|verify|tail|keygen` (SPEC §5): read a witness log, check it, follow it, make a signing key.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { osReason } from "../_util/errors.ts";
import { UsageError } from "./args.ts";
import {
  followLog,
  generateKeyFiles,
  logHead,
  parsePublicKey,
  statsOfFile,
  tailLog,
  verifyLog,
  type VerifyProblem,
  type VerifyReport,
} from "../witness/mod.ts";

/** Where the command writes: one line per call, without a trailing newline. */
export interface LogCommandIo {
  /** Results (stdout). */
  out: (line: string) => void;
  /** Diagnostics (stderr). */
  err: (line: string) => void;
}

/** Options of {@linkcode runLogCommand} for a caller that embeds it (tests). */
export interface LogCommandOptions {
  /** Stops `tail -f`. */
  signal?: AbortSignal;
  /** How often `tail -f` looks for new lines (ms, default 250). */
  pollMs?: number;
}

/** The witness log read when no FILE is given. */
export const DEFAULT_WITNESS_PATH = "./witness.log";

const DEFAULT_TAIL = 20;

const USAGE = [
  "usage: safe-exec log stats|verify|tail|head [FILE] [options]",
  "       safe-exec log keygen KEYFILE",
  "  stats                 counts by event, decision and tool, as JSON",
  "  verify                walk the whole log and report every problem by line and kind (cut lines, inserted",
  "                        lines, edits, removals, reorders, forks); prints `ok: N lines, head <sha256>` or",
  "                        `broken: …`, one line per problem, then warnings (a log that ends without a stop line)",
  "    --head HASH         also check that the log holds this head, kept elsewhere (a cut end is caught)",
  "    --key PUBLIC        check the signed checkpoints with this Ed25519 public key (PEM file)",
  "    --json              the whole report as one line of JSON",
  "  tail [-n N] [-f]      the last N lines (default 20); -f keeps printing lines as they are appended",
  "  head [--json]         the sha256 of the last line, its seq and time (reads only the end): ship it elsewhere",
  "                        now and then, and check the log against it later with verify --head",
  "  keygen KEYFILE        make an Ed25519 key pair: KEYFILE (private, 0600) and KEYFILE.pub; sign a log with",
  '                        "witness": { "signingKey": "KEYFILE" } in the config',
  `FILE defaults to ${DEFAULT_WITNESS_PATH}; - reads standard input (stats, verify, tail without -f).`,
  "Exit codes: 0 ok, 1 a broken log or an unreadable file, 2 usage.",
];

const KIND_LABELS: Record<string, [string, string]> = {
  cut: ["cut line", "cut lines"],
  inserted: ["inserted line", "inserted lines"],
  edit: ["edit", "edits"],
  removal: ["removal", "removals"],
  reorder: ["reorder", "reorders"],
  fork: ["fork", "forks"],
  head: ["missing head", "missing heads"],
  signature: ["signature problem", "signature problems"],
};

function summary(report: VerifyReport): string {
  const counts = new Map<string, number>();
  for (const p of report.problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, n]) => {
    const [one, many] = KIND_LABELS[kind] ?? [kind, kind];
    return `${n} ${n === 1 ? one : many}`;
  });
  const shown = report.problems.length < report.problemCount ? `, first ${report.problems.length} shown` : "";
  return `broken: ${report.problemCount} problem${report.problemCount === 1 ? "" : "s"} in ${report.lines} lines (${
    parts.join(", ")
  }${shown})`;
}

function problemLine(p: VerifyProblem): string {
  return `${p.line === p.endLine ? `line ${p.line}` : `lines ${p.line}-${p.endLine}`}: ${p.kind}: ${p.message}`;
}

interface Parsed {
  sub: "stats" | "verify" | "tail" | "head" | "keygen";
  file: string;
  lines: number;
  follow: boolean;
  head?: string;
  keyFile?: string;
  json: boolean;
}

function parse(args: string[]): Parsed {
  const rest = [...args];
  const first = rest.shift();
  if (first === undefined) throw new UsageError("log needs a subcommand: stats, verify, tail, head or keygen");
  if (first !== "stats" && first !== "verify" && first !== "tail" && first !== "head" && first !== "keygen") {
    throw new UsageError(
      `unknown log subcommand ${JSON.stringify(first)}: expected stats, verify, tail, head or keygen`,
    );
  }
  const p: Parsed = { sub: first, file: DEFAULT_WITNESS_PATH, lines: DEFAULT_TAIL, follow: false, json: false };
  let fileSeen = false;
  let onlyFiles = false;
  const only = (arg: string, sub: Parsed["sub"]) => {
    if (p.sub !== sub) throw new UsageError(`${arg.split("=")[0]} only applies to log ${sub}`);
  };
  const value = (arg: string, what: string): string => {
    const eq = arg.indexOf("=");
    const v = eq === -1 ? rest.shift() : arg.slice(eq + 1);
    if (v === undefined) throw new UsageError(`${arg} needs ${what}`);
    return v;
  };
  while (rest.length > 0) {
    const arg = rest.shift() as string;
    const name = arg.split("=")[0] as string;
    if (!onlyFiles && arg === "--") {
      onlyFiles = true;
      continue;
    }
    if (!onlyFiles && (name === "-n" || name === "--lines")) {
      only(arg, "tail");
      const v = value(arg, "a number of lines");
      if (!/^\d{1,9}$/.test(v)) {
        throw new UsageError(`-n is ${JSON.stringify(v)}, expected a whole number of lines >= 0`);
      }
      p.lines = Number(v);
      continue;
    }
    if (!onlyFiles && (arg === "-f" || arg === "--follow")) {
      only(arg, "tail");
      p.follow = true;
      continue;
    }
    if (!onlyFiles && name === "--head") {
      only(arg, "verify");
      const v = value(arg, "a sha256 hash (64 hex digits)");
      if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new UsageError(`--head is ${JSON.stringify(v)}, expected 64 hex digits`);
      p.head = v.toLowerCase();
      continue;
    }
    if (!onlyFiles && name === "--key") {
      only(arg, "verify");
      p.keyFile = value(arg, "a public key file (PEM)");
      continue;
    }
    if (!onlyFiles && arg === "--json") {
      if (p.sub !== "verify" && p.sub !== "head") throw new UsageError("--json only applies to log verify and head");
      p.json = true;
      continue;
    }
    if (!onlyFiles && arg.startsWith("-") && arg !== "-") {
      throw new UsageError(`unknown option ${JSON.stringify(arg)} for log ${p.sub}`);
    }
    if (fileSeen) throw new UsageError(`log ${p.sub} takes one FILE, got another: ${JSON.stringify(arg)}`);
    if (arg === "") throw new UsageError("FILE is empty, expected a path");
    p.file = arg;
    fileSeen = true;
  }
  if (p.sub === "keygen" && !fileSeen) throw new UsageError("log keygen needs KEYFILE, the private key file to write");
  if (p.file === "-" && (p.sub === "keygen" || p.sub === "head" || p.follow)) {
    throw new UsageError(`log ${p.sub}${p.follow ? " -f" : ""} needs a file, not - (standard input)`);
  }
  return p;
}

function printVerify(report: VerifyReport, keyFingerprint: string | null, io: LogCommandIo): void {
  if (report.ok) {
    io.out(`ok: ${report.lines} lines, head ${report.head}`);
  } else {
    io.out(summary(report));
    for (const p of report.problems) io.out(problemLine(p));
    if (report.problems.length < report.problemCount) {
      io.out(`… and ${report.problemCount - report.problems.length} more problems`);
    }
  }
  if (report.headLine !== null) {
    io.out(
      report.headLine === report.lines
        ? `the kept head is line ${report.headLine}, the last line`
        : `the kept head is line ${report.headLine}: ${report.lines - report.headLine} lines were appended after it`,
    );
  }
  const cps = report.checkpoints;
  if (keyFingerprint !== null && cps.verified > 0 && cps.lastLine !== null) {
    io.out(
      `${cps.verified} checkpoint${cps.verified === 1 ? "" : "s"} signed by key ${keyFingerprint} verified; ` +
        `the last one covers lines 1-${cps.lastLine - 1}`,
    );
  }
  for (const w of report.warnings) io.out(`warning: ${w.message}`);
  if (!report.ok) io.out(`head ${report.head}`);
}

/**
 * Run `safe-exec log …` with the arguments after `log`. Resolves to the exit code: 0 ok, 1 when verify finds the
 * log broken or a file cannot be read or written, 2 for a usage error (a one-line reason on `err` pointing to
 * --help).
 *
 * - `stats [FILE]` prints the counts of {@linkcode statsOfFile} as one line of JSON.
 * - `verify [FILE] [--head HASH] [--key PUBLIC] [--json]` prints `ok: N lines, head <sha256 of the last line>`
 *   or `broken: P problems in N lines (…)` and a line per problem (`line 7: edit: …`), then what the head and the
 *   checkpoints showed, and warnings (`warning: …`, exit code unchanged).
 * - `tail [FILE] [-n N] [-f]` prints the last N lines (default 20) as they are in the file; `-f` follows it.
 * - `head [FILE] [--json]` prints the sha256 of the last line, its seq and time (to keep elsewhere).
 * - `keygen KEYFILE` writes a new Ed25519 key pair (KEYFILE, mode 0600, and KEYFILE.pub); never overwrites.
 * - `--help` / `-h` prints the usage on `out` and returns 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { WitnessLog } from "../witness/mod.ts";
 * import { runLogCommand } from "./log.ts";
 *
 * const path = join(mkdtempSync(join(tmpdir(), "witness-")), "witness.log");
 * const log = new WitnessLog(path);
 * log.append({ event: "session", tool: null, decision: null, details: { action: "start" } });
 * log.append({ event: "session", tool: null, decision: null, details: { action: "stop" } });
 * log.close();
 * const out: string[] = [];
 * const code = await runLogCommand(["verify", path], { out: (l) => out.push(l), err: (l) => out.push(l) });
 * assert.equal(code, 0);
 * assert.match(out[0]!, /^ok: 2 lines, head [0-9a-f]{64}$/);
 * ```
 */
export async function runLogCommand(
  args: string[],
  io: LogCommandIo,
  options: LogCommandOptions = {},
): Promise<number> {
  if (args.some((a) => a === "--help" || a === "-h")) {
    for (const line of USAGE) io.out(line);
    return 0;
  }
  let p: Parsed;
  let publicKey: { pem: string; fingerprint: string } | null = null;
  try {
    p = parse(args);
    if (p.keyFile !== undefined) {
      let pem: string;
      try {
        pem = readFileSync(p.keyFile, "utf8");
      } catch (err) {
        throw new UsageError(`cannot read the public key ${JSON.stringify(p.keyFile)}: ${osReason(err)}`);
      }
      try {
        publicKey = { pem, fingerprint: parsePublicKey(pem).fingerprint };
      } catch (err) {
        throw new UsageError(`cannot use the public key ${JSON.stringify(p.keyFile)}: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`safe-exec log: ${err.message} (see safe-exec --help)`);
    return 2;
  }

  try {
    switch (p.sub) {
      case "stats":
        io.out(JSON.stringify(statsOfFile(p.file)));
        return 0;
      case "verify": {
        const report = verifyLog(p.file, {
          ...(p.head !== undefined ? { head: p.head } : {}),
          ...(publicKey !== null ? { publicKey: publicKey.pem } : {}),
        });
        if (p.json) io.out(JSON.stringify(report));
        else printVerify(report, publicKey?.fingerprint ?? null, io);
        return report.ok ? 0 : 1;
      }
      case "head": {
        const h = logHead(p.file);
        if (p.json) io.out(JSON.stringify({ file: p.file, ...h }));
        else {
          io.out(
            `head ${h.head} seq ${h.seq ?? "none"}${h.ts ? ` at ${h.ts}` : ""} (${h.bytes} bytes${
              h.cut ? ", the last line is cut" : ""
            })`,
          );
        }
        return 0;
      }
      case "keygen": {
        const made = generateKeyFiles(p.file);
        io.out(`wrote the private key ${made.privatePath} (mode 0600): keep it outside the workspace`);
        io.out(`wrote the public key ${made.publicPath} (key ${made.fingerprint})`);
        io.out(`sign a log: "witness": { "signingKey": ${JSON.stringify(made.privatePath)} } in the config`);
        io.out(`check one: safe-exec log verify FILE --key ${made.publicPath}`);
        return 0;
      }
      default:
        if (p.follow) {
          await followLog(p.file, {
            lines: p.lines,
            onLine: io.out,
            onNote: (note) => io.err(`safe-exec log tail: ${note}`),
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
          });
          return 0;
        }
        for (const line of tailLog(p.file, p.lines)) io.out(line);
        return 0;
    }
  } catch (err) {
    const what = p.sub === "keygen" ? "cannot write" : "cannot read";
    io.err(`safe-exec log ${p.sub}: ${what} ${JSON.stringify(p.file)}: ${osReason(err)}`);
    return 1;
  }
}
