/**
 * Private helper of connection.ts: what an upstream call's answer, or the error it ended with, means for the
 * caller: a result passed on, or an error code with a reason. A failure of the transport itself is left to the
 * connection (it restarts the server).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerOutcome, errorOutcome } from "./_call_outcome.ts";
 * const ok = answerOutcome({ content: [{ type: "text", text: "hi" }] }, "fs__read");
 * assert.equal(ok.ok, true);
 * const bad = answerOutcome({ content: "not a list" }, "fs__read");
 * assert.equal(bad.errorCode, "upstream_error");
 * const why = { why: "timeout" as const, timeoutMs: 50, label: "fs__read", server: "fs", deathReason: null };
 * assert.equal(errorOutcome(new Error("aborted"), why)?.errorCode, "timeout");
 * assert.equal(errorOutcome(new Error("EPIPE"), { ...why, why: null }), null);
 * ```
 *
 * @module
 */
// The SDK's "./*" export maps types to "*.d.ts", so "x.js" finds no types under deno check; point at them.
// @ts-types="@modelcontextprotocol/sdk/types"
import { CallToolResultSchema, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { isPlainToolResult } from "./_fast_shapes.ts";
import { cut, firstIssue, isZodError, messageOf, oneLine } from "./_text.ts";
import type { CallToolResult, UpstreamCallResult } from "./types.ts";

/** The part of an {@linkcode UpstreamCallResult} that says how the call went. */
export type Outcome = Pick<UpstreamCallResult, "ok" | "result" | "errorCode" | "error">;

/** What the connection knows when a call ends with an error. */
export interface CallFailure {
  /** Why the call was stopped by the gateway, if it was. */
  why: "timeout" | "cancelled" | null;
  /** The call's timeout, in milliseconds. */
  timeoutMs: number;
  /** The call's gateway name. */
  label: string;
  /** The server's name. */
  server: string;
  /** Why the server's connection broke, if it did. */
  deathReason: string | null;
}

/** An outcome that is a failure. */
export function failed(errorCode: NonNullable<Outcome["errorCode"]>, error: string): Outcome {
  return { ok: false, result: null, errorCode, error };
}

/** The outcome of a `tools/call` answer: the result exactly as it came when it is valid, else why not. */
export function answerOutcome(raw: unknown, label: string): Outcome {
  const checked = isPlainToolResult(raw) ? null : CallToolResultSchema.safeParse(raw);
  if (checked !== null && !checked.success) {
    return failed(
      "upstream_error",
      `${label} returned a malformed result (${firstIssue(checked.error)}); it is not passed on`,
    );
  }
  // The result exactly as it came (the SDK's parse above only checked it).
  const result = raw as CallToolResult;
  if (result.isError === true) {
    return { ok: false, result, errorCode: "upstream_error", error: `${label} reported an error: ${textOf(result)}` };
  }
  return { ok: true, result, errorCode: null, error: null };
}

/** The outcome of a call that threw `err`, or null when the transport failed (the caller restarts the server). */
export function errorOutcome(err: unknown, f: CallFailure): Outcome | null {
  const { label } = f;
  if (f.why === "timeout") {
    return failed("timeout", `${label} did not answer within ${f.timeoutMs} ms (cancelled upstream)`);
  }
  if (f.why === "cancelled") return failed("cancelled", `${label} was cancelled (cancelled upstream)`);
  if (f.deathReason !== null) {
    return failed("upstream_unavailable", `server "${f.server}" ${f.deathReason} during ${label}`);
  }
  if (err instanceof McpError) {
    if (err.code === ErrorCode.ConnectionClosed) {
      return failed("upstream_unavailable", `server "${f.server}" closed the connection during ${label}`);
    }
    if (err.code === ErrorCode.RequestTimeout) {
      return failed("timeout", `${label} did not answer in time (cancelled upstream)`);
    }
    if (err.code === ErrorCode.InvalidParams) {
      return failed("invalid_args", `${label} refused the arguments: ${cut(oneLine(err.message), 1000)}`);
    }
    return failed("upstream_error", `${label} failed: ${cut(oneLine(err.message), 1000)}`);
  }
  if (isZodError(err)) return failed("upstream_error", `${label} returned a malformed result (${firstIssue(err)})`);
  return null;
}

/** The reason of a transport failure, when the server's exit says nothing. */
export function unreachable(err: unknown): string {
  return `could not be reached (${cut(oneLine(messageOf(err)), 300)})`;
}

function textOf(result: CallToolResult): string {
  const texts = (result.content ?? []).flatMap((c) => (c.type === "text" ? [c.text] : []));
  return texts.length > 0 ? cut(texts.join(" "), 1000) : "no text given";
}
