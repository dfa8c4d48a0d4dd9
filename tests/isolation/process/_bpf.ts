/**
 * A classic BPF interpreter over `struct seccomp_data`, for testing the compiled seccomp filter without a kernel:
 * it runs the exact bytes `bwrap --seccomp` gets. It knows the instructions a seccomp filter may use (loads of the
 * data, ALU, jumps, returns) and fails loudly on anything else.
 */

/** One system call as the kernel shows it to the filter. */
export interface SeccompData {
  nr: number;
  arch: number;
  ip?: bigint;
  args?: (number | bigint)[];
}

function dataBytes(d: SeccompData): DataView {
  const buf = new DataView(new ArrayBuffer(64));
  buf.setInt32(0, d.nr, true);
  buf.setUint32(4, d.arch >>> 0, true);
  buf.setBigUint64(8, d.ip ?? 0n, true);
  (d.args ?? []).forEach((a, i) => buf.setBigUint64(16 + 8 * i, BigInt.asUintN(64, BigInt(a)), true));
  return buf;
}

/** Run the filter on one system call; returns the action (e.g. 0x7fff0000 for ALLOW) and the steps taken. */
export function runFilter(program: Uint8Array, d: SeccompData): { action: number; steps: number } {
  const prog = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const data = dataBytes(d);
  const n = program.byteLength / 8;
  if (!Number.isInteger(n) || n === 0 || n > 4096) throw new Error(`bad program length ${program.byteLength}`);
  let A = 0;
  let X = 0;
  const M = new Uint32Array(16);
  let pc = 0;
  let steps = 0;
  while (pc < n) {
    steps++;
    const code = prog.getUint16(pc * 8, true);
    const jt = prog.getUint8(pc * 8 + 2);
    const jf = prog.getUint8(pc * 8 + 3);
    const k = prog.getUint32(pc * 8 + 4, true);
    const cls = code & 0x07;
    switch (cls) {
      case 0x00: { // LD
        const mode = code & 0xe0;
        if (mode === 0x20 && (code & 0x18) === 0x00) {
          if (k % 4 !== 0 || k + 4 > 64) throw new Error(`pc ${pc}: misaligned or out-of-range load at ${k}`);
          A = data.getUint32(k, true);
        } else if (mode === 0x00) A = k; // LD IMM
        else if (mode === 0x60) A = M[k & 15] as number;
        else if (mode === 0x80) A = 64; // LD LEN
        else throw new Error(`pc ${pc}: unsupported load 0x${code.toString(16)}`);
        pc++;
        break;
      }
      case 0x01: { // LDX
        const mode = code & 0xe0;
        if (mode === 0x00) X = k;
        else if (mode === 0x60) X = M[k & 15] as number;
        else if (mode === 0x80) X = 64;
        else throw new Error(`pc ${pc}: unsupported ldx 0x${code.toString(16)}`);
        pc++;
        break;
      }
      case 0x02:
        M[k & 15] = A;
        pc++;
        break;
      case 0x03:
        M[k & 15] = X;
        pc++;
        break;
      case 0x04: { // ALU
        const src = (code & 0x08) ? X : k;
        const op = code & 0xf0;
        if (op === 0x00) A = (A + src) >>> 0;
        else if (op === 0x10) A = (A - src) >>> 0;
        else if (op === 0x50) A = (A & src) >>> 0;
        else if (op === 0x40) A = (A | src) >>> 0;
        else if (op === 0x60) A = (A << src) >>> 0;
        else if (op === 0x70) A = A >>> src;
        else if (op === 0x80) A = (-A) >>> 0;
        else throw new Error(`pc ${pc}: unsupported alu 0x${code.toString(16)}`);
        pc++;
        break;
      }
      case 0x05: { // JMP
        const op = code & 0xf0;
        const src = (code & 0x08) ? X : k;
        if (op === 0x00) {
          pc += 1 + k;
          break;
        }
        let cond: boolean;
        if (op === 0x10) cond = A === src;
        else if (op === 0x20) cond = A > src;
        else if (op === 0x30) cond = A >= src;
        else if (op === 0x40) cond = (A & src) !== 0;
        else throw new Error(`pc ${pc}: unsupported jump 0x${code.toString(16)}`);
        pc += 1 + (cond ? jt : jf);
        break;
      }
      case 0x06: // RET
        return { action: (code & 0x18) === 0x10 ? A : k, steps };
      case 0x07:
        if ((code & 0xf8) === 0x00) X = A;
        else A = X;
        pc++;
        break;
    }
  }
  throw new Error("the program ran off its end");
}
