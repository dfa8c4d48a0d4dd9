/**
 * Private helper of the gate: approvals remembered for the session (SPEC §3 `remember`), and the message a model
 * reads when a call was not approved, saying who declined (a person, a program, or the policy) and why.
 *
 * A remembered approval answers a later ASK only; it never lifts a DENY (the gate decides first), and `reset`
 * forgets them all. An approval of the whole tool does not answer an ASK that stands for a `deny` floor which may
 * apply (engine.ts `DENY_MAY_APPLY`: `cat $f` under a `secrets/**` deny floor): that is asked every time.
 *
 * @module
 */
import { DENY_MAY_APPLY } from "../rules/engine.ts";
import type { RuleHit } from "../types.ts";
import type { ConfirmAnswer, ConfirmSource } from "./confirm.ts";

/** A stable key of a call's arguments: JSON with object keys sorted. */
function _key(tool: string, args: unknown): string {
  return `${tool}\u0000${_stable(args)}`;
}

function _stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(_stable).join(",")}]`;
  if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${_stable(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/**
 * The approvals remembered this session: of one call (tool and identical arguments), or of a whole tool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RememberedApprovals } from "./_approvals.ts";
 * const a = new RememberedApprovals();
 * a.add("run_bash", { cmd: "npm test" }, "call");
 * assert.equal(a.find("run_bash", { cmd: "npm test" }), "call");
 * assert.equal(a.find("run_bash", { cmd: "npm test; rm -rf /" }), null);
 * a.add("write_file", { path: "a", content: "x" }, "tool");
 * assert.equal(a.find("write_file", { content: "y", path: "b" }), "tool");
 * const firm = [{ rule: 0, effect: "decision=ask", summary: "* secrets/** (deny floor may apply: $f)" }];
 * assert.equal(a.find("write_file", { path: "c" }, firm), null); // asked every time
 * a.clear();
 * assert.equal(a.find("write_file", {}), null);
 * ```
 */
export class RememberedApprovals {
  #calls = new Set<string>();
  #tools = new Set<string>();

  /** Remember an approval of this call, or of every call of the tool. */
  add(tool: string, args: unknown, what: "call" | "tool"): void {
    if (what === "tool") this.#tools.add(tool);
    else this.#calls.add(_key(tool, args));
  }

  /**
   * What approves this call already (`tool` before `call`), or null. `rules`: the rules that took effect on it; a
   * deny floor that only may apply is never answered by an approval of the whole tool.
   */
  find(tool: string, args: unknown, rules: readonly RuleHit[] = []): "call" | "tool" | null {
    const firm = rules.some((r) => r.effect === "decision=ask" && r.summary.includes(`(${DENY_MAY_APPLY}:`));
    if (this.#tools.has(tool) && !firm) return "tool";
    if (this.#calls.size > 0 && this.#calls.has(_key(tool, args))) return "call";
    return null;
  }

  /** Forget them all (`reset`). */
  clear(): void {
    this.#calls.clear();
    this.#tools.clear();
  }
}

const WHO: Record<ConfirmSource, string> = {
  client: "the client",
  tty: "the person at the terminal",
  exec: "the confirm program",
  elicitation: "the user",
  remembered: "a remembered approval",
  policy: "the confirm policy",
  handler: "the confirm handler",
};

/**
 * The error of a call that was not approved, for the model: who declined (a person, or the policy, which asks
 * nobody), their reason, or that nobody answered in time; then the gate's rationale.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notApprovedMessage } from "./_approvals.ts";
 * const a = { approved: false, reason: "declined", message: "use list_dir instead", remember: null, waitedMs: 5 };
 * assert.equal(
 *   notApprovedMessage(a, "tty", "risk=high …"),
 *   'Not approved: declined by the person at the terminal: "use list_dir instead" (risk=high …)',
 * );
 * assert.match(notApprovedMessage({ ...a, message: null }, "policy", "r"), /^Not approved: the confirm policy approves no ASK \(--confirm deny\), nobody was asked/);
 * assert.match(notApprovedMessage({ ...a, reason: "no answer within 50 ms", message: null }, "client", "r"), /^Not approved: no answer within 50 ms from the client \(the confirm timeout\)/);
 * ```
 */
export function notApprovedMessage(answer: ConfirmAnswer, by: ConfirmSource, rationale: string): string {
  const who = WHO[by];
  if (by === "policy") {
    return `Not approved: the confirm policy approves no ASK (--confirm deny), nobody was asked (${rationale})`;
  }
  if (answer.reason.startsWith("no answer within")) {
    return `Not approved: ${answer.reason} from ${who} (the confirm timeout) (${rationale})`;
  }
  if (answer.reason !== "declined") return `Not approved (${answer.reason}) (${rationale})`;
  return answer.message !== null
    ? `Not approved: declined by ${who}: ${JSON.stringify(answer.message)} (${rationale})`
    : `Not approved: declined by ${who} (${rationale})`;
}
