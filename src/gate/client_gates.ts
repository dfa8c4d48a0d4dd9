/**
 * The gates of tools the agent runs itself (`"run": "client"`, SPEC §2.1, §3.1): each approved `gate` opens a ticket
 * that one `outcome` closes. What is still open when the session ends is logged as such by the executor.
 *
 * @module
 */

/** An approved gate that waits for its outcome. */
export interface OpenGate {
  /** Its ticket. */
  ticket: number;
  /** The tool. */
  tool: string;
  /** The `seq` of its gate line in the witness log. */
  gateSeq: number;
  /** Its decision (allow, or an approved ask). */
  decision: "allow" | "ask";
}

/** What {@linkcode ClientGates.take} found for a ticket. */
export type TakenGate = { found: true; gate: OpenGate } | { found: false; why: "unknown_gate" | "already_reported" };

/**
 * The open gates of one session.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ClientGates } from "./client_gates.ts";
 * const gates = new ClientGates();
 * const t = gates.open("send_email", 4, "ask");
 * assert.equal(gates.pending().length, 1);
 * assert.equal(gates.take(t).found, true);
 * assert.deepEqual(gates.take(t), { found: false, why: "already_reported" });
 * assert.deepEqual(gates.take(99), { found: false, why: "unknown_gate" });
 * assert.equal(gates.pending().length, 0);
 * ```
 */
export class ClientGates {
  #next = 0;
  #open = new Map<number, OpenGate>();
  #reported = new Set<number>();

  /** Open a ticket for an approved gate. */
  open(tool: string, gateSeq: number, decision: "allow" | "ask"): number {
    const ticket = ++this.#next;
    this.#open.set(ticket, { ticket, tool, gateSeq, decision });
    return ticket;
  }

  /** Close a ticket: its gate, or why there is none to close. */
  take(ticket: number): TakenGate {
    const gate = this.#open.get(ticket);
    if (gate === undefined) {
      return { found: false, why: this.#reported.has(ticket) ? "already_reported" : "unknown_gate" };
    }
    this.#open.delete(ticket);
    this.#reported.add(ticket);
    return { found: true, gate };
  }

  /** The gates still waiting for an outcome, oldest first. */
  pending(): OpenGate[] {
    return [...this.#open.values()];
  }

  /** Close every open ticket (the session ends); returns them. */
  drain(): OpenGate[] {
    const open = this.pending();
    for (const g of open) {
      this.#open.delete(g.ticket);
      this.#reported.add(g.ticket);
    }
    return open;
  }
}
