/**
 * Private helper of the path rules: the programs that, given no path operand, read or walk the folder they run in
 * (red team 16, N3: `grep -r TOP` printed `secrets/k` at allow). For them the script names `.`, exactly as if it had
 * been written, so a floor below it applies as it does to `grep -r TOP .`.
 *
 * - `grep`, `egrep`, `fgrep` with `-r`/`-R`/`--recursive`/`--dereference-recursive`/`-d recurse`/
 *   `--directories=recurse` and no file operand (GNU grep then searches the working folder, whatever stdin is);
 * - `rg`, `ag`, `ack`, `fd`, `fdfind` with no path operand (they search the working folder by default);
 * - `find` with no start point (`find -name k` is `find . -name k`);
 * - `ls -R`, `tree` and `du` (without `-s`) with no operand.
 *
 * Operands are told from options with a table of the options that take a value; an option not in it is taken as a
 * flag, so its value is counted as an operand only when it is separate (`grep -r --foo x TOP`), which can only make
 * the reader look like it names a path it does not: the word is then judged as a path too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { walksItsFolder } from "./_implicit_folder.ts";
 * const first = (s: string) => analyzeScript(s).commands[0]!;
 * assert.equal(walksItsFolder(first("grep -r TOP")), true);
 * assert.equal(walksItsFolder(first("grep -r TOP src")), false);
 * assert.equal(walksItsFolder(first("find -type f")), true);
 * assert.equal(walksItsFolder(first("ls -la")), false);
 * ```
 *
 * @module
 */
import type { SimpleCommand } from "./shell_types.ts";

interface Reader {
  /** Short options that take a value (the rest of the cluster, or the next word). */
  valued: string;
  /** Long options that take a value (as `--x=v` or `--x v`). */
  valuedLong: ReadonlySet<string>;
  /** The first operand is a pattern unless one is given by `-e`/`-f` (grep, rg, ag, ack). */
  pattern: boolean;
  /** Whether it walks its folder given these options (grep only with -r; ls only with -R; du not with -s). */
  walks: (shorts: string, longs: readonly string[], values: ReadonlyMap<string, string>) => boolean;
}

const _set = (s: string): ReadonlySet<string> => new Set(s.split(" "));

const GREP: Reader = {
  valued: "efmABCdDX",
  valuedLong: _set(
    "regexp file max-count after-context before-context context directories devices exclude include exclude-from exclude-dir label binary-files group-separator",
  ),
  pattern: true,
  walks: (shorts, longs, values) =>
    /[rR]/.test(shorts) || longs.some((l) =>
      _abbreviates(l, "recursive") || _abbreviates(l, "dereference-recursive")
    ) ||
    values.get("d") === "recurse" || values.get("directories") === "recurse",
};

const SEARCHER: Reader = {
  valued: "efgtTmABCjEMrd",
  valuedLong: _set(
    "regexp file glob iglob type type-not type-add type-clear max-count after-context before-context context threads encoding max-columns replace max-depth maxdepth max-filesize color colors sort sortr path-separator pre pre-glob ignore-file engine context-separator field-match-separator field-context-separator dfa-size-limit regex-size-limit extension exclude owner size changed-within changed-before base-directory search-path exec exec-batch",
  ),
  pattern: true,
  walks: () => true,
};

const FD: Reader = { ...SEARCHER, pattern: true };

const LS: Reader = {
  valued: "wTI",
  valuedLong: _set(
    "block-size format hide ignore indicator-style quoting-style sort time time-style tabsize width",
  ),
  pattern: false,
  walks: (shorts, longs) => shorts.includes("R") || longs.some((l) => _abbreviates(l, "recursive")),
};

const TREE: Reader = {
  valued: "LPIoHT",
  valuedLong: _set("charset filelimit timefmt sort infile"),
  pattern: false,
  walks: () => true,
};

const DU: Reader = {
  valued: "BdtX",
  valuedLong: _set("block-size max-depth threshold exclude exclude-from time files0-from time-style"),
  pattern: false,
  walks: (shorts, longs, values) => !shorts.includes("s") && !longs.includes("summarize") && values.get("d") !== "0",
};

const READERS: ReadonlyMap<string, Reader> = new Map([
  ["grep", GREP],
  ["egrep", GREP],
  ["fgrep", GREP],
  ["rg", SEARCHER],
  ["ag", SEARCHER],
  ["ack", SEARCHER],
  ["fd", FD],
  ["fdfind", FD],
  ["ls", LS],
  ["tree", TREE],
  ["du", DU],
]);

/** Whether the command reads or walks the folder it runs in because it names no path (see the module). */
export function walksItsFolder(c: SimpleCommand): boolean {
  const head = c.argv[0]?.value;
  if (head === null || head === undefined) return false;
  const name = head.slice(head.lastIndexOf("/") + 1);
  if (name === "find") return _findWithoutStart(c);
  const reader = READERS.get(name);
  if (reader === undefined) return false;
  let shorts = "";
  const longs: string[] = [];
  const values = new Map<string, string>();
  let operands = 0;
  let patternGiven = false;
  const words = c.argv.slice(1).map((w) => w.value);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    // a word known only at run time may be a path: judged as such by the caller (it is `unknown` there)
    if (w === null || w === undefined) return false;
    if (w === "--") {
      operands += words.length - i - 1;
      break;
    }
    if (w.startsWith("--")) {
      const eq = w.indexOf("=");
      const written = eq === -1 ? w.slice(2) : w.slice(2, eq);
      // getopt takes an unambiguous prefix (`--recur`, `--dir=recurse`) for the option it abbreviates
      const long = reader.valuedLong.has(written)
        ? written
        : [...reader.valuedLong].find((o) => _abbreviates(written, o)) ?? written;
      longs.push(long);
      if (long === "regexp" || long === "file") patternGiven = true;
      if (reader.valuedLong.has(long)) values.set(long, eq === -1 ? String(words[++i] ?? "") : w.slice(eq + 1));
      continue;
    }
    if (w.startsWith("-") && w !== "-") {
      for (let k = 1; k < w.length; k++) {
        const ch = w[k]!;
        if (reader.valued.includes(ch)) {
          values.set(ch, k + 1 < w.length ? w.slice(k + 1) : String(words[++i] ?? ""));
          if (reader.pattern && (ch === "e" || ch === "f")) patternGiven = true;
          break;
        }
        shorts += ch;
      }
      continue;
    }
    operands++;
  }
  if (reader.pattern && !patternGiven) operands--;
  return operands <= 0 && reader.walks(shorts, longs, values);
}

/** `find` whose first word after its leading options is an expression (or nothing): it starts at `.`. */
function _findWithoutStart(c: SimpleCommand): boolean {
  const words = c.argv.slice(1).map((w) => w.value);
  let i = 0;
  while (i < words.length && /^-[HLP]+$/.test(words[i] ?? "")) i++;
  if (words[i] === "-D" || words[i] === "-O" || /^-O\d$/.test(words[i] ?? "")) i += words[i] === "-D" ? 2 : 1;
  const first = words[i];
  if (first === undefined) return true;
  if (first === null) return false;
  return first.startsWith("-") || first === "(" || first === "!" || first === ",";
}

/** Whether `written` (a long option without its dashes) is `option` or a prefix of it getopt may take for it. */
function _abbreviates(written: string, option: string): boolean {
  return written.length >= 3 && option.startsWith(written);
}
