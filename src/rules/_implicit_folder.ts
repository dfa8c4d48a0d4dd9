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
 * Operands are told from options as getopt would (`_getopt.ts`), with a table of the options that take a value; an
 * option not in it is taken as a flag, so its value is counted as an operand only when it is separate
 * (`grep -r --foo x TOP`), which can only make the reader look like it names a path it does not: the word is then
 * judged as a path too.
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
import { type OptionSpec, type Parsed, parseOptions } from "./_getopt.ts";
import type { SimpleCommand } from "./shell_types.ts";

type Options = Parsed["options"];

interface Reader {
  /** The options that take a value (getopt's view: `-e x`, `--regexp=x`, abbreviations of them). */
  spec: OptionSpec;
  /** The first operand is a pattern unless one is given by `-e`/`-f` (grep, rg, ag, ack, fd). */
  pattern: boolean;
  /** Whether it walks its folder given these options (grep only with -r; ls only with -R; du not with -s). */
  walks: (options: Options) => boolean;
}

const _spec = (shortValue: string, longValue: string): OptionSpec => ({
  shortValue,
  longValue: longValue.split(" ").map((o) => `--${o}`),
});

const GREP: Reader = {
  spec: _spec(
    "efmABCdDX",
    "regexp file max-count after-context before-context context directories devices exclude include exclude-from exclude-dir label binary-files group-separator",
  ),
  pattern: true,
  walks: (options) =>
    options.some(({ name, value }) =>
      name === "-r" || name === "-R" || _abbreviates(name, "--recursive") ||
      _abbreviates(name, "--dereference-recursive") ||
      ((name === "-d" || name === "--directories") && value?.value === "recurse")
    ),
};

const SEARCHER: Reader = {
  spec: _spec(
    "efgtTmABCjEMrd",
    "regexp file glob iglob type type-not type-add type-clear max-count after-context before-context context threads encoding max-columns replace max-depth maxdepth max-filesize color colors sort sortr path-separator pre pre-glob ignore-file engine context-separator field-match-separator field-context-separator dfa-size-limit regex-size-limit extension exclude owner size changed-within changed-before base-directory search-path exec exec-batch",
  ),
  pattern: true,
  walks: () => true,
};

const LS: Reader = {
  spec: _spec("wTI", "block-size format hide ignore indicator-style quoting-style sort time time-style tabsize width"),
  pattern: false,
  walks: (options) => options.some(({ name }) => name === "-R" || _abbreviates(name, "--recursive")),
};

const TREE: Reader = {
  spec: _spec("LPIoHT", "charset filelimit timefmt sort infile"),
  pattern: false,
  walks: () => true,
};

const DU: Reader = {
  spec: _spec("BdtX", "block-size max-depth threshold exclude exclude-from time files0-from time-style"),
  pattern: false,
  walks: (options) =>
    !options.some(({ name, value }) =>
      name === "-s" || name === "--summarize" || (name === "-d" && value?.value === "0")
    ),
};

const READERS: ReadonlyMap<string, Reader> = new Map([
  ["grep", GREP],
  ["egrep", GREP],
  ["fgrep", GREP],
  ["rg", SEARCHER],
  ["ag", SEARCHER],
  ["ack", SEARCHER],
  ["fd", SEARCHER],
  ["fdfind", SEARCHER],
  ["ls", LS],
  ["tree", TREE],
  ["du", DU],
]);

const PATTERN_OPTIONS = new Set(["-e", "-f", "--regexp", "--file"]);

/** Whether the command reads or walks the folder it runs in because it names no path (see the module). */
export function walksItsFolder(c: SimpleCommand): boolean {
  const head = c.argv[0]?.value;
  if (head === null || head === undefined) return false;
  const name = head.slice(head.lastIndexOf("/") + 1);
  if (name === "find") return _findWithoutStart(c);
  const reader = READERS.get(name);
  if (reader === undefined) return false;
  const args = c.argv.slice(1);
  // a word known only at run time may be a path: judged as such by the caller (it is `unknown` there)
  if (args.some((w) => w.value === null)) return false;
  const parsed = parseOptions(name, args, reader.spec);
  if (typeof parsed === "string") return false; // the spec refuses nothing
  const patternGiven = parsed.options.some((o) => PATTERN_OPTIONS.has(o.name));
  const operands = parsed.operands.length - (reader.pattern && !patternGiven ? 1 : 0);
  return operands <= 0 && reader.walks(parsed.options);
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

/** Whether `written` (a long option, `--recur`) is `option` or a prefix of it getopt may take for it. */
function _abbreviates(written: string, option: string): boolean {
  return written.length >= 5 && option.startsWith(written);
}
