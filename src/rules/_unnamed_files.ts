/**
 * Private helper of the rule engine's `path` matchers (_match.ts `scriptPaths`): whether a simple command can open
 * files that its words do not name, so that a `path` floor "may apply" to it (at least ask, as for `cat $f`).
 *
 * - programs whose own text opens files: jq `import`/`include` (and `-f`/`--from-file`, `--run-tests`, `-L`,
 *   `--rawfile`, `--slurpfile`), awk assigning `ARGV`/`ARGC`, `getline`, `@include`, `-f`/`-i`/`-E` program files;
 * - response files: a word `@FILE` (binutils, compilers, 7z, curl `-d @FILE`) reads arguments or data from FILE;
 * - lists of names read from a file or stdin: tar `-T` (any spelling: `-Tlist`, `cTf`, `--files=`), `zip -@`,
 *   cpio's copy-out and copy-pass modes, checksum verifiers (`md5sum -c`), `file -f`, and the long options
 *   `--files-from`, `--files0-from`, `--pathspec-from-file` of any program (rsync, wc, du, git);
 * - names in the data a program reads: a diff's targets (`patch`, `git apply`, `git am`) and an archive's members
 *   (`tar -x`, `unzip`), unless confined to a folder the words name (_from_data.ts);
 * (git pathspecs that are not literal names are read by _git_pathspec.ts.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { opensUnnamedFiles } from "./_unnamed_files.ts";
 * const why = (s: string) => opensUnnamedFiles(analyzeScript(s).commands[0]!);
 * assert.match(why(`jq -n 'import "x" as $c; $c'`)!, /import/);
 * assert.match(why("curl -d @secrets/k x")!, /secrets\/k/);
 * assert.match(why("tar -cf - -T list.txt")!, /-T/);
 * assert.equal(why("jq .a in.json"), null);
 * ```
 *
 * @module
 */
import { namesFromData } from "./_from_data.ts";
import type { SimpleCommand } from "./shell_types.ts";

function _basename(v: string): string {
  return v.slice(v.lastIndexOf("/") + 1);
}

const JQ = new Set(["jq", "gojq", "jaq"]);
const AWK = new Set(["awk", "gawk", "mawk", "nawk", "busybox"]);
const JQ_FILE_OPTIONS = /^(-f|--from-file|--run-tests|-L|--library-path|--rawfile|--slurpfile|--indent-file)/;

const CHECKSUMS = /^(md5|sha1|sha224|sha256|sha384|sha512|b2|b3)sum$|^(shasum|cksum)$/;

/** A curl URL glob: a `{…}` list or a `[…]` range. */
const CURL_GLOB = /[{[]/;
/** curl's short options that take no value, which may come before `g` in a cluster (`-sSg`). */
const CURL_FLAGS = /^-[sSLkfviIqnRjJlBGN#:0-9]*g[sSLkfviIqnRjJlBGN#:0-9g]*$/;

/**
 * Why curl may open or write files its words do not name (red team 12, K1), or null: unless globbing is off
 * (`-g`, `--globoff`, the last of them and `--no-globoff` wins), curl expands `{a,b}` and `[a-z]` in each URL and
 * `-T` name itself, and puts a glob's text in `-o` names (`#1`): a glob in a `file:` URL or a `-T` name, or in any
 * URL written to a file (`-o`, `-O`), names files the words do not.
 */
function _curlGlobs(args: SimpleCommand["argv"]): string | null {
  let globbing = true;
  let writes = false;
  let globbed: string | null = null;
  let local: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.value;
    if (v === null) continue;
    if (v === "--globoff" || CURL_FLAGS.test(v)) globbing = false;
    else if (v === "--no-globoff") globbing = true;
    // `-T NAME`, `-sTNAME`, `--upload-file NAME`, `--upload-file=NAME` (and a prefix of it)
    const short = /^-([sSLkfviIqnRjJlBGN#:0-9]*)T(.*)$/.exec(v);
    const long = v.startsWith("--") && _abbreviates(v, "--upload-file", "--up".length);
    if (short !== null || long) {
      const attached = short !== null ? short[2]! : v.includes("=") ? v.slice(v.indexOf("=") + 1) : "";
      const value = attached !== "" ? attached : args[++i]?.value ?? null;
      if (value !== null && CURL_GLOB.test(value)) local ??= value;
      continue;
    }
    if (/^-[A-Za-z]*[oO]/.test(v) && !v.startsWith("--") || /^--(out|outp|outpu|output|remote-name)/.test(v)) {
      writes = true;
    }
    if (!CURL_GLOB.test(v) || v.startsWith("-")) continue;
    if (/^(--url=)?file:/i.test(v)) local ??= v;
    else if (/^(--url=)?[a-z][a-z0-9+.-]*:\/\//i.test(v)) globbed ??= v;
  }
  if (!globbing) return null;
  if (local !== null) return `curl expands the URL glob in ${local} itself, so the files it opens are not in its words`;
  if (globbed !== null && writes) {
    return `curl expands the URL glob in ${globbed} and writes files named from it (-o '#1', -O)`;
  }
  return null;
}

/**
 * Whether the word `v` (`--opt` or `--opt=value`) is the long option `long` or an abbreviation of it at least
 * `min` characters long: getopt_long and git's parse-options accept any unambiguous prefix (`wc --files0-f=l`).
 */
function _abbreviates(v: string, long: string, min: number): boolean {
  const eq = v.indexOf("=");
  const opt = eq === -1 ? v : v.slice(0, eq);
  return opt.length >= min && long.startsWith(opt);
}

/** The long options that read file names from a file, with the shortest prefix judged as them. */
const NAME_LISTS: ReadonlyArray<readonly [string, number]> = [
  ["--files-from", "--files".length],
  ["--files0-from", "--files".length],
  ["--pathspec-from-file", "--pathspec-f".length],
];

/** Why the command reads the names of files it opens from a file or stdin (`tar -T list`, `zip -@`), or null. */
function _namesFromList(name: string, args: SimpleCommand["argv"]): string | null {
  const values = args.map((w) => w.value);
  for (const v of values) {
    if (v === null) continue;
    if (v === "--") break;
    if (NAME_LISTS.some(([long, min]) => _abbreviates(v, long, min))) {
      return `${name} ${v} reads file names from a file`;
    }
  }
  if (name === "tar" || name === "gtar" || name === "bsdtar") {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      if (v === "--") break;
      // `--files-from` may be shortened to `--files`; `-T` may be bundled (`-cT`, `-Tlist`) or, in the first word, be
      // a letter of tar's old-style options (`cTf list -`)
      if (/^--files?(-f[a-z]*)?(=|$)/.test(v) && v !== "--file" && !v.startsWith("--file=")) {
        return `tar ${v} reads file names from a file`;
      }
      if (/^-[A-Za-z]*T/.test(v) || (i === 0 && /^[A-Za-z]*T/.test(v))) return `tar ${v} reads file names from a file`;
    }
  }
  if (name === "zip" && values.some((v) => v !== null && /^-[A-Za-z0-9]*@/.test(v))) {
    return "zip -@ reads file names from its input";
  }
  if (name === "cpio") return "cpio reads file names from its input (-o, -p) or takes them from an archive (-i)";
  const check = (v: string) => /^-[A-Za-z]*c/.test(v) || _abbreviates(v, "--check", 3);
  if (CHECKSUMS.test(name) && values.some((v) => v !== null && check(v))) {
    return `${name} --check opens the files named in its list`;
  }
  const list = (v: string) => /^-[A-Za-z]*f/.test(v) || _abbreviates(v, "--files-from", 4);
  if (name === "file" && values.some((v) => v !== null && list(v))) {
    return "file -f reads file names from a file";
  }
  return null;
}

/** Why the command can open files its words do not name, or null. */
export function opensUnnamedFiles(c: SimpleCommand): string | null {
  const head = c.argv[0]?.value;
  if (!head) return null;
  const name = _basename(head);
  const args = c.argv.slice(1);
  const listed = _namesFromList(name, args);
  if (listed !== null) return listed;
  // a diff's targets and an archive's members: names in data the gate does not read (red team 10, J3, J7)
  const fromData = namesFromData(name, args.map((w) => w.value));
  if (fromData !== null) return fromData;
  for (const w of args) {
    const v = w.value;
    if (v === null) continue;
    const at = v.startsWith("@") ? v : v.includes("=@") ? v.slice(v.indexOf("=@") + 1) : null;
    if (at !== null && at.length > 1 && !at.startsWith("@{") && !at.startsWith("@@")) {
      return `${name} may read the file ${at.slice(1)} and the names or data in it (${at})`;
    }
  }
  if (name === "curl") return _curlGlobs(args);
  if (JQ.has(name)) {
    let program: string | null | undefined;
    for (const w of args) {
      const v = w.value;
      if (v === null) {
        program ??= null;
        continue;
      }
      if (JQ_FILE_OPTIONS.test(v) || /^-[A-Za-z]*[fL]/.test(v) && !v.startsWith("--")) {
        return `${name} ${v} reads a program or data from a file, which may open other files`;
      }
      if (!v.startsWith("-") && program === undefined) program = v;
    }
    if (program === null) return `${name}'s program is only known at run time and may import files`;
    if (program !== undefined && /\b(import|include|modulemeta|get_search_list)\b/.test(program)) {
      return `${name}'s program may import or include files (import/include)`;
    }
    return null;
  }
  if (AWK.has(name)) {
    const words = name === "busybox" ? args.slice(1) : args;
    if (name === "busybox" && !/awk$/.test(args[0]?.value ?? "")) return null;
    for (const w of words) {
      const v = w.value;
      if (v === null) return `${name}'s argument ${w.text} is only known at run time and may open files`;
      if (/^-(f|i|E|l)/.test(v) || /^--(file|include|exec|load|source)/.test(v)) {
        return `${name} ${v} reads a program file, which may open other files`;
      }
      if (/\b(ARGV|ARGC|getline|FILENAME)\b/.test(v) || /@\s*include/.test(v)) {
        return `${name}'s program may open files it names itself (ARGV, getline, @include)`;
      }
    }
    return null;
  }
  return null;
}
