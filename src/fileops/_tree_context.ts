/**
 * Private helper of `_tree.ts`: how a tree removal names what failed (the tool's verb, the agent's path), the error
 * the scan throws when nothing was deleted, and one removal step.
 *
 * @module
 */
import { errCode } from "../_util/errors.ts";
import { ToolError } from "../types.ts";

/** How a path is quoted in messages. */
export const q = JSON.stringify;

/** How a failure is worded: the tool's verb and the agent's path of the folder. */
export interface TreeContext {
  /** "delete". */
  word: string;
  /** The folder as the agent named it. */
  arg: string;
}

/** Thrown by the scan: nothing was deleted. */
export class TreeRefused extends ToolError {
  /** Make one. */
  constructor(message: string) {
    super("invalid_args", message);
  }
}

/** The entry `names` below the folder, as the agent would name it. */
export function show(ctx: TreeContext, names: string[]): string {
  return q([ctx.arg.replace(/\/+$/, ""), ...names].join("/"));
}

/** The error code of a failure, else its message. */
export function errText(e: unknown): string {
  const code = errCode(e);
  return code ?? (e as Error)?.message ?? String(e);
}

/** Run a removal step; a failure names the entry (`names` below the folder) and the error code. */
export function step(ctx: TreeContext, names: string[], fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof ToolError) throw e;
    throw new ToolError(
      errCode(e) === "ENOSPC" ? "internal" : "invalid_args",
      `Cannot ${ctx.word} ${q(ctx.arg)}: ${show(ctx, names)} cannot be removed (${errText(e)})`,
    );
  }
}
