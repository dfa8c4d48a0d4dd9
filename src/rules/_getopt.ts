/**
 * Private helper of the read-only check: split a command's words into options (with their values) and operands,
 * as GNU getopt_long would, refusing the options the command's spec names. An abbreviation of a refused long option
 * is refused too (`sort --out=x` is `--output`), and so is a refused short option inside a cluster (`sed -ni`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { parseOptions } from "./_getopt.ts";
 * const args = (s: string) => analyzeScript(s).commands[0]!.argv.slice(1);
 * const spec = { shortValue: "o", badLong: { "--output": "writes a file" } };
 * const p = parseOptions("sort", args("sort -rn -k2 in.txt"), { shortValue: "k" });
 * assert.ok(typeof p !== "string");
 * assert.deepEqual(p.options.map((o) => o.name), ["-r", "-n", "-k"]);
 * assert.equal(parseOptions("sort", args("sort --out=x"), spec), "sort --output writes a file");
 * ```
 *
 * @module
 */
import type { ShellWord } from "./shell_types.ts";

/**
 * Options of a command, as far as they matter. Only options whose value is *required* may be listed as taking a
 * value: listing an option whose value is optional (`--group[=M]`) or that takes none would let the next word (a
 * refused option, or an operand) hide as its value.
 */
export interface OptionSpec {
  /** Short options that require a value (attached `-n5` or the next word). */
  readonly shortValue?: string;
  /** Long options that require a value (`--max-count=5` or the next word). */
  readonly longValue?: readonly string[];
  /** Short options refused, with the reason. */
  readonly badShort?: Readonly<Record<string, string>>;
  /** Long options refused (also any unambiguous abbreviation of them), with the reason. */
  readonly badLong?: Readonly<Record<string, string>>;
}

/** The words of a command split into options (with values) and operands, as GNU getopt_long would. */
export interface Parsed {
  /** The command name. */
  readonly name: string;
  /** Options in order: `-n`, `--max-count`, with the value when the option takes one. */
  readonly options: ReadonlyArray<{ name: string; value: ShellWord | null }>;
  /** Operands (non-options), in order. */
  readonly operands: readonly ShellWord[];
}

/** Split `args` by `spec`; a refusal (`sort --output writes a file`) when a refused option is given. */
export function parseOptions(name: string, args: readonly ShellWord[], spec: OptionSpec): Parsed | string {
  const options: Array<{ name: string; value: ShellWord | null }> = [];
  const operands: ShellWord[] = [];
  const shortValue = spec.shortValue ?? "";
  const longValue = spec.longValue ?? [];
  const badShort = spec.badShort ?? {};
  const badLong = spec.badLong ?? {};
  for (let i = 0; i < args.length; i++) {
    const w = args[i]!;
    const v = w.value;
    if (v === null || v === "-" || !v.startsWith("-")) {
      operands.push(w);
      continue;
    }
    if (v === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      const opt = eq === -1 ? v : v.slice(0, eq);
      for (const [bad, why] of Object.entries(badLong)) {
        // getopt_long accepts any unambiguous abbreviation: refuse every prefix of a refused option
        if (opt.length > 2 && bad.startsWith(opt)) return `${name} ${bad} ${why}`;
      }
      // an abbreviation of a known option with a value is that option (`sed --expr=…` is `--expression`)
      const full = longValue.includes(opt) ? opt : longValue.filter((l) => opt.length > 2 && l.startsWith(opt));
      const known = typeof full === "string" ? full : full.length === 1 ? full[0]! : null;
      let value: ShellWord | null = null;
      if (eq !== -1) value = { ...w, value: v.slice(eq + 1), text: v.slice(eq + 1) };
      else if (known !== null) value = args[++i] ?? null;
      options.push({ name: known ?? opt, value });
      continue;
    }
    // a cluster of short options: -abc, -n5, -o file
    for (let j = 1; j < v.length; j++) {
      const ch = v[j]!;
      if (Object.hasOwn(badShort, ch)) return `${name} -${ch} ${badShort[ch]}`;
      if (shortValue.includes(ch)) {
        const attached = v.slice(j + 1);
        const value = attached !== "" ? { ...w, value: attached, text: attached } : args[++i] ?? null;
        options.push({ name: `-${ch}`, value });
        break;
      }
      options.push({ name: `-${ch}`, value: null });
    }
  }
  return { name, options, operands };
}
