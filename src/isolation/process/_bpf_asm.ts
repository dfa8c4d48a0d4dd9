/**
 * Private helper of the seccomp filter (`_seccomp.ts`): a tiny classic-BPF assembler, instructions with forward jumps
 * to labels, resolved to the 8-bit offsets of classic BPF and encoded as `struct sock_filter[]` (little-endian).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Asm } from "./_bpf_asm.ts";
 * const a = new Asm();
 * const ok = a.label();
 * a.ld(0);
 * a.jeq(41, null, ok);
 * a.ret(0x00050061);
 * a.at(ok);
 * a.ret(0x7fff0000);
 * assert.equal(a.encode().length, 4 * 8);
 * ```
 *
 * @module
 */
const BPF_LD_W_ABS = 0x20;
const BPF_JMP_JEQ_K = 0x15;
const BPF_JMP_JGE_K = 0x35;
const BPF_JMP_JSET_K = 0x45;
const BPF_RET_K = 0x06;

/** A jump target: a label, or null for the next instruction. */
export type Target = string | null; // a label, or null: the next instruction
interface Insn {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
  label?: string;
}

/** The assembler: emit instructions and labels, then {@linkcode Asm.encode}. */
export class Asm {
  readonly insns: Insn[] = [];
  #n = 0;
  /** A new label (place it with {@linkcode Asm.at}). */
  label(): string {
    return `L${this.#n++}`;
  }
  /** Place `label` here. */
  at(label: string): void {
    this.insns.push({ code: -1, k: 0, label });
  }
  /** Load the 32-bit word at `offset` of `seccomp_data`. */
  ld(offset: number): void {
    this.insns.push({ code: BPF_LD_W_ABS, k: offset });
  }
  /** Jump to `jt` when A == k, else to `jf`. */
  jeq(k: number, jt: Target, jf: Target = null): void {
    this.insns.push({ code: BPF_JMP_JEQ_K, k, jt, jf });
  }
  /** Jump to `jt` when A >= k, else to `jf`. */
  jge(k: number, jt: Target, jf: Target = null): void {
    this.insns.push({ code: BPF_JMP_JGE_K, k, jt, jf });
  }
  /** Jump to `jt` when A & k, else to `jf`. */
  jset(k: number, jt: Target, jf: Target = null): void {
    this.insns.push({ code: BPF_JMP_JSET_K, k, jt, jf });
  }
  /** Return `k` (a seccomp action). */
  ret(k: number): void {
    this.insns.push({ code: BPF_RET_K, k });
  }
  /** Resolve labels and encode `struct sock_filter[]` (little-endian). */
  encode(): Uint8Array {
    const real: Insn[] = [];
    const where = new Map<string, number>();
    for (const i of this.insns) {
      if (i.code === -1) where.set(i.label as string, real.length);
      else real.push(i);
    }
    const out = new Uint8Array(real.length * 8);
    const view = new DataView(out.buffer);
    real.forEach((i, pc) => {
      const off = (t: Target | undefined): number => {
        if (t === undefined || t === null) return 0;
        const to = where.get(t);
        if (to === undefined) throw new Error(`seccomp assembler: unknown label ${t}`);
        const d = to - pc - 1;
        if (d < 0 || d > 255) throw new Error(`seccomp assembler: jump of ${d} from ${pc} does not fit classic BPF`);
        return d;
      };
      view.setUint16(pc * 8, i.code, true);
      view.setUint8(pc * 8 + 2, off(i.jt));
      view.setUint8(pc * 8 + 3, off(i.jf));
      view.setUint32(pc * 8 + 4, i.k >>> 0, true);
    });
    return out;
  }
}
