/**
 * Private helper of the rule engine's deny floors (_unseen.ts, _match.ts): the file utilities the gate takes as
 * inert, each **with the options known not to run a command or read names from elsewhere** (red team 9, H1, H2).
 *
 * An allow-list, not a list of bad options: three red teams found one more command-valued option each time
 * (`split --filter`, `zip -TT`/`--unzip-command`, `sdiff`/`diff3 --diff-program`, `install --strip-program`,
 * `scp -D`/`-S`), or one more list of names (`xz --files`, `zstd --filelist`, `zip --names-stdin`, `curl -K`,
 * `wget -i`). So a program is inert only as far as its table says: {@linkcode strayOption} names the first option
 * that is not on it, and a deny floor then "may apply" (asked every time, never answered by a remembered approval).
 * Long options count only spelled in full: getopt_long takes any unambiguous abbreviation (`--filt=`), and an
 * abbreviation may stand for an option the table does not know. A program whose table is {@linkcode ANY_OPTION}
 * has no option that runs code or reads names (checked against its manual page).
 *
 * Git's `-c` keys and the `.git` configuration a call writes are judged in _git_config.ts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { analyzeScript } from "./shell.ts";
 * import { strayOption } from "./_options.ts";
 * const why = (s: string) => strayOption(analyzeScript(s).commands[0]!);
 * assert.match(why("split --filter='rm -rf x' a.txt")!, /split --filter/);
 * assert.match(why("split --filt=x a.txt")!, /--filt/);
 * assert.match(why("zip -TT 'cat k' x.zip a")!, /zip -T/);
 * assert.equal(why("split -l 10 a.txt"), null);
 * assert.equal(why("zip -r out.zip src"), null);
 * assert.equal(why("rm -rf --one-file-system x"), null); // rm: any option (a command floor judges rm itself)
 * ```
 *
 * @module
 */
import type { SimpleCommand } from "./shell_types.ts";

/** The options of one program known not to run a command or read names from elsewhere. */
export interface OptionTable {
  /** Short options that take no value. */
  readonly flags: string;
  /** Short options that require a value (attached `-l10` or the next word). */
  readonly values?: string;
  /** Long options, spelled in full, that take no value or an optional one (`--numeric-suffixes[=N]`). */
  readonly longs?: readonly string[];
  /** Long options, spelled in full, that require a value (`--lines=N` or the next word). */
  readonly longValues?: readonly string[];
  /** A word `-<digits>` is an option (`split -1000`, `xz -9`, `zstd -19`). */
  readonly digits?: boolean;
  /** Short options that take a value, inert only for some values: whether this value is one (`scp -o Port=22`). */
  readonly checked?: Readonly<Record<string, (value: string) => boolean>>;
  /** Options end at the first operand (BSD getopt: `ssh HOST CMD -x`, the command's own options). */
  readonly stopAtOperand?: boolean;
}

/**
 * ssh options (`-o NAME=VALUE`, `-o 'NAME VALUE'`) known not to run a command or load code: connection and
 * authentication settings. The command-valued ones the analysis extracts and judges (_evaluated.ts:
 * `ProxyCommand`, `LocalCommand`, `KnownHostsCommand`, `RemoteCommand`) pass too; not `PKCS11Provider`,
 * `SecurityKeyProvider` (libraries it loads), `Include`, `Match` or any name not listed.
 */
const INERT_SSH_OPTION =
  /^\s*(port|user|hostname|hostkeyalias|connecttimeout|connectionattempts|stricthostkeychecking|userknownhostsfile|globalknownhostsfile|batchmode|identityfile|identitiesonly|compression|serveraliveinterval|serveralivecountmax|loglevel|addressfamily|pubkeyauthentication|passwordauthentication|kbdinteractiveauthentication|preferredauthentications|checkhostip|controlmaster|controlpath|controlpersist|ipqos|ciphers|macs|kexalgorithms|hostkeyalgorithms|pubkeyacceptedkeytypes|pubkeyacceptedalgorithms|requesttty|updatehostkeys|verifyhostkeydns|numberofpasswordprompts|tcpkeepalive|escapechar|exitonforwardfailure|hashknownhosts|clearallforwardings|forwardagent|forwardx11|sendenv|setenv|bindaddress|rekeylimit|permitlocalcommand|proxycommand|localcommand|knownhostscommand|remotecommand)\s*[= ]/i;

/** Whether an ssh `-o` value is known inert, or judged by the analysis (`Port=22`, `ProxyCommand=…`). */
export function inertSshOption(value: string): boolean {
  return INERT_SSH_OPTION.test(value);
}

/** A program none of whose options runs code or reads file names or URLs from a file or its input. */
export const ANY_OPTION = "any";

const GZIP: OptionTable = {
  flags: "cdfhklLnNqrtvV",
  values: "S",
  digits: true,
  longs: [
    "--stdout",
    "--to-stdout",
    "--decompress",
    "--uncompress",
    "--force",
    "--help",
    "--keep",
    "--list",
    "--license",
    "--no-name",
    "--name",
    "--quiet",
    "--recursive",
    "--synchronous",
    "--test",
    "--verbose",
    "--version",
    "--fast",
    "--best",
    "--rsyncable",
  ],
  longValues: ["--suffix"],
};

const BZIP2: OptionTable = {
  flags: "cdzkfqstvLVh",
  digits: true,
  longs: [
    "--stdout",
    "--decompress",
    "--compress",
    "--keep",
    "--force",
    "--quiet",
    "--small",
    "--test",
    "--verbose",
    "--license",
    "--version",
    "--help",
    "--fast",
    "--best",
  ],
};

// not `--files`, `--files0` (names read from a file)
const XZ: OptionTable = {
  flags: "zdtlkcfqvhHVe",
  values: "FCTMS",
  digits: true,
  longs: [
    "--compress",
    "--decompress",
    "--uncompress",
    "--test",
    "--list",
    "--keep",
    "--force",
    "--stdout",
    "--to-stdout",
    "--single-stream",
    "--no-sparse",
    "--quiet",
    "--verbose",
    "--extreme",
    "--fast",
    "--best",
    "--help",
    "--long-help",
    "--version",
    "--robot",
    "--ignore-check",
    "--no-adjust",
    "--no-warn",
    "--lzma1",
    "--lzma2",
    "--x86",
    "--delta",
  ],
  longValues: ["--suffix", "--format", "--check", "--threads", "--memlimit", "--block-size"],
};

// not `--filelist` (names read from a file), `--output-dir-mirror`, `--trace`
const ZSTD: OptionTable = {
  flags: "zdtlkcfqvhHVr",
  values: "oDTMB",
  digits: true,
  longs: [
    "--compress",
    "--decompress",
    "--uncompress",
    "--test",
    "--list",
    "--keep",
    "--rm",
    "--force",
    "--stdout",
    "--quiet",
    "--verbose",
    "--ultra",
    "--long",
    "--fast",
    "--no-progress",
    "--progress",
    "--help",
    "--version",
    "--check",
    "--no-check",
    "--sparse",
    "--no-sparse",
    "--exclude-compressed",
    "--adapt",
    "--rsyncable",
    "--single-thread",
    "--content-size",
    "--no-content-size",
  ],
  longValues: ["--format", "--threads", "--memory", "--size-hint", "--patch-from", "--output-dir-flat", "--priority"],
};

/**
 * The file utilities the gate takes as inert (besides the built-in read-only commands, the programs whose code the
 * analysis extracts and the shell builtins: _unseen.ts), each with its options. Adding a program here is a claim
 * about every option not listed: it must be {@linkcode ANY_OPTION} only if no option of it runs code or reads names.
 */
export const PROGRAM_OPTIONS: Readonly<Record<string, OptionTable | typeof ANY_OPTION>> = {
  mkdir: ANY_OPTION,
  rmdir: ANY_OPTION,
  touch: ANY_OPTION,
  rm: ANY_OPTION,
  unlink: ANY_OPTION,
  cp: ANY_OPTION,
  mv: ANY_OPTION,
  ln: ANY_OPTION,
  link: ANY_OPTION,
  chmod: ANY_OPTION,
  chown: ANY_OPTION,
  chgrp: ANY_OPTION,
  truncate: ANY_OPTION,
  mktemp: ANY_OPTION,
  dd: ANY_OPTION,
  shred: ANY_OPTION,
  sync: ANY_OPTION,
  csplit: ANY_OPTION,
  join: ANY_OPTION,
  expand: ANY_OPTION,
  unexpand: ANY_OPTION,
  fmt: ANY_OPTION,
  pr: ANY_OPTION,
  shuf: ANY_OPTION,
  tsort: ANY_OPTION,
  numfmt: ANY_OPTION,
  expr: ANY_OPTION,
  factor: ANY_OPTION,
  yes: ANY_OPTION,
  base32: ANY_OPTION,
  xxd: ANY_OPTION,
  ps: ANY_OPTION,
  sha224sum: ANY_OPTION,
  sha384sum: ANY_OPTION,
  b2sum: ANY_OPTION,
  cksum: ANY_OPTION,
  unzip: ANY_OPTION,
  // tar and sed under their GNU names: their code-running options are extracted (_embedded.ts)
  gtar: ANY_OPTION,
  gsed: ANY_OPTION,
  // not `--filter` (a shell command run per output file)
  split: {
    flags: "dxeu",
    values: "abClnt",
    digits: true,
    longs: [
      "--numeric-suffixes",
      "--hex-suffixes",
      "--elide-empty-files",
      "--unbuffered",
      "--verbose",
      "--help",
      "--version",
    ],
    longValues: [
      "--suffix-length",
      "--additional-suffix",
      "--bytes",
      "--line-bytes",
      "--lines",
      "--number",
      "--separator",
    ],
  },
  // not `--strip-program` (a program run on each file)
  install: {
    flags: "bCcDdpsTvZ",
    values: "gmoSt",
    longs: [
      "--backup",
      "--compare",
      "--directory",
      "--preserve-timestamps",
      "--strip",
      "--no-target-directory",
      "--verbose",
      "--preserve-context",
      "--context",
      "--debug",
      "--help",
      "--version",
    ],
    longValues: ["--group", "--mode", "--owner", "--suffix", "--target-directory"],
  },
  // not `--diff-program` (the program run to compare)
  sdiff: {
    flags: "abBdEHilsStWZ",
    values: "Iow",
    longs: [
      "--ignore-case",
      "--ignore-tab-expansion",
      "--ignore-trailing-space",
      "--ignore-space-change",
      "--ignore-all-space",
      "--ignore-blank-lines",
      "--strip-trailing-cr",
      "--text",
      "--left-column",
      "--suppress-common-lines",
      "--expand-tabs",
      "--minimal",
      "--speed-large-files",
      "--help",
      "--version",
    ],
    longValues: ["--output", "--ignore-matching-lines", "--width", "--tabsize"],
  },
  diff3: {
    flags: "aAeEimTxX3",
    values: "L",
    longs: [
      "--text",
      "--show-all",
      "--ed",
      "--show-overlap",
      "--overlap-only",
      "--easy-only",
      "--merge",
      "--initial-tab",
      "--strip-trailing-cr",
      "--help",
      "--version",
    ],
    longValues: ["--label"],
  },
  // not `-e`/`--ed` (an ed script), `-g`/`--get` (runs a version-control checkout)
  patch: {
    flags: "bcEflnNRsStuVZ",
    values: "BdDFiopPrYz",
    longs: [
      "--backup",
      "--context",
      "--remove-empty-files",
      "--force",
      "--ignore-whitespace",
      "--normal",
      "--forward",
      "--reverse",
      "--silent",
      "--quiet",
      "--batch",
      "--unified",
      "--version",
      "--help",
      "--dry-run",
      "--verbose",
      "--binary",
      "--posix",
      "--no-backup-if-mismatch",
      "--backup-if-mismatch",
      "--merge",
      "--set-utc",
      "--set-time",
    ],
    longValues: [
      "--prefix",
      "--directory",
      "--ifdef",
      "--fuzz",
      "--input",
      "--output",
      "--strip",
      "--reject-file",
      "--basename-prefix",
      "--suffix",
      "--version-control",
      "--quoting-style",
      "--reject-format",
      "--read-only",
    ],
  },
  iconv: {
    flags: "cls",
    values: "fto",
    longs: ["--list", "--silent", "--help", "--version", "--usage"],
    longValues: ["--from-code", "--to-code", "--output"],
  },
  gzip: GZIP,
  gunzip: GZIP,
  zcat: GZIP,
  bzip2: BZIP2,
  bunzip2: BZIP2,
  xz: XZ,
  unxz: XZ,
  zstd: ZSTD,
  unzstd: ZSTD,
  // zip has its own parser with two-letter options (`-TT CMD`, `-FS`, `-sf`): only single letters are listed; not
  // `-T` (runs unzip, or `-TT`'s command), `-@`/`--names-stdin` (names from the input), `--unzip-command`
  zip: {
    flags: "0123456789qvrRjJmdDugfFSyXlkoAwxi",
    values: "bntOZsP",
    longs: [
      "--quiet",
      "--verbose",
      "--recurse-paths",
      "--recurse-patterns",
      "--junk-paths",
      "--move",
      "--delete",
      "--update",
      "--freshen",
      "--grow",
      "--filesync",
      "--symlinks",
      "--exclude",
      "--include",
      "--no-dir-entries",
      "--no-extra",
      "--fix",
      "--fixfix",
      "--help",
      "--version",
    ],
    longValues: ["--output-file", "--compression-method", "--temp-path", "--suffixes", "--split-size"],
  },
  // not `-K`/`--config` (options and URLs from a file), `--variable` (`name@file`), `--libcurl`, `--engine`
  curl: {
    flags: "sSfLOIivkGN46#qgjJlnRZ",
    values: "oXHduAemwxFCcbrTUEyYzt",
    longs: [
      "--silent",
      "--show-error",
      "--fail",
      "--fail-with-body",
      "--location",
      "--remote-name",
      "--remote-name-all",
      "--head",
      "--include",
      "--verbose",
      "--insecure",
      "--get",
      "--no-buffer",
      "--compressed",
      "--create-dirs",
      "--progress-bar",
      "--http1.0",
      "--http1.1",
      "--http2",
      "--http3",
      "--ipv4",
      "--ipv6",
      "--globoff",
      "--remote-header-name",
      "--junk-session-cookies",
      "--list-only",
      "--netrc",
      "--netrc-optional",
      "--raw",
      "--no-progress-meter",
      "--help",
      "--version",
      "--manual",
    ],
    longValues: [
      "--output",
      "--request",
      "--header",
      "--data",
      "--data-raw",
      "--data-binary",
      "--data-urlencode",
      "--data-ascii",
      "--json",
      "--user",
      "--user-agent",
      "--referer",
      "--max-time",
      "--connect-timeout",
      "--retry",
      "--retry-delay",
      "--retry-max-time",
      "--write-out",
      "--proxy",
      "--form",
      "--form-string",
      "--continue-at",
      "--cookie",
      "--cookie-jar",
      "--range",
      "--upload-file",
      "--url",
      "--output-dir",
      "--limit-rate",
      "--max-filesize",
      "--max-redirs",
      "--resolve",
      "--connect-to",
      "--cacert",
      "--capath",
      "--cert",
      "--key",
      "--oauth2-bearer",
      "--time-cond",
      "--dump-header",
      "--stderr",
      "--trace",
      "--trace-ascii",
      "--netrc-file",
      "--interface",
    ],
  },
  // not `-i`/`--input-file` (URLs from a file), `-e`/`--execute`, `--config`, `--use-askpass` (a program)
  wget: {
    flags: "qvcNSrkKpEHLmxb46",
    values: "OotTPUlwADRIXQn",
    longs: [
      "--quiet",
      "--verbose",
      "--no-verbose",
      "--continue",
      "--timestamping",
      "--server-response",
      "--spider",
      "--recursive",
      "--no-parent",
      "--convert-links",
      "--page-requisites",
      "--no-check-certificate",
      "--mirror",
      "--no-clobber",
      "--inet4-only",
      "--inet6-only",
      "--show-progress",
      "--no-directories",
      "--force-directories",
      "--adjust-extension",
      "--content-disposition",
      "--help",
      "--version",
    ],
    longValues: [
      "--output-document",
      "--output-file",
      "--append-output",
      "--tries",
      "--timeout",
      "--directory-prefix",
      "--user-agent",
      "--header",
      "--level",
      "--wait",
      "--post-data",
      "--post-file",
      "--user",
      "--password",
      "--accept",
      "--reject",
      "--limit-rate",
      "--quota",
      "--progress",
    ],
  },
  // not `-D` (an sftp server program run locally), `-S` (the ssh program), `-F` (an ssh config: ProxyCommand),
  // `-o` (ssh options: ProxyCommand, LocalCommand)
  scp: { flags: "346ABCOpqRrTv", values: "ciJlPX", checked: { o: inertSshOption } },
  // cpio reads names from its input or an archive (_unnamed_files.ts); `--rsh-command` and `-F HOST:FILE` run rsh
  cpio: { flags: "oipatvdmurBcLV0fns", values: "HMRE" },
};

/**
 * Programs judged elsewhere as a whole (ssh's remote command is a command of its own: _evaluated.ts) whose options
 * are still read against a table: not inert programs.
 */
const CHECKED_ONLY: Readonly<Record<string, OptionTable>> = {
  // not `-F` (a config file: `ProxyCommand`, `Match exec`), `-I` (a PKCS#11 library it loads)
  ssh: {
    flags: "46AaCfGgKkMNnqsTtVvXxYy",
    values: "BbcDEeiJLlmOpQRSWw",
    checked: { o: inertSshOption },
    stopAtOperand: true,
  },
};

/** A program named by a system path (`/usr/bin/zip`): that program. */
const SYSTEM_PATH = /^\/(usr\/)?(local\/)?s?bin\/[^/]+$/;

/**
 * The first option of the command that its program's table ({@linkcode PROGRAM_OPTIONS}) does not know to be inert,
 * as a reason (`split --filter is not among the options …`), or null: every option is known, or the program has no
 * table (judged elsewhere) or takes {@linkcode ANY_OPTION}. A word only known at run time that may be an option
 * counts as one not known.
 */
export function strayOption(c: SimpleCommand): string | null {
  const head = c.argv[0]?.value;
  if (c.dynamic || head === null || head === undefined) return null;
  const slash = head.lastIndexOf("/");
  if (slash !== -1 && !SYSTEM_PATH.test(head)) return null;
  const name = slash === -1 ? head : head.slice(slash + 1);
  const table = Object.hasOwn(PROGRAM_OPTIONS, name)
    ? PROGRAM_OPTIONS[name]!
    : Object.hasOwn(CHECKED_ONLY, name)
    ? CHECKED_ONLY[name]!
    : null;
  if (table === null) return null;
  if (table === ANY_OPTION) return null;
  const args = c.argv;
  const not = (opt: string) =>
    `${name} ${opt} is not among the options known not to run a command or read names from elsewhere`;
  for (let i = 1; i < args.length; i++) {
    const w = args[i]!;
    const v = w.value;
    if (v === null) {
      if (w.mayBeOption) return not(`${w.text} (only known at run time)`);
      continue;
    }
    if (v === "--") break;
    if (v === "-" || !v.startsWith("-")) {
      if (table.stopAtOperand) break;
      continue;
    }
    if (v.startsWith("--")) {
      const eq = v.indexOf("=");
      const opt = eq === -1 ? v : v.slice(0, eq);
      if (table.longValues?.includes(opt)) {
        if (eq === -1) i++;
        continue;
      }
      if (table.longs?.includes(opt)) continue;
      return not(opt);
    }
    if (table.digits && /^-\d+$/.test(v)) continue;
    for (let j = 1; j < v.length; j++) {
      const ch = v[j]!;
      const check = table.checked && Object.hasOwn(table.checked, ch) ? table.checked[ch]! : null;
      if (table.values?.includes(ch) || check !== null) {
        const value = j < v.length - 1 ? v.slice(j + 1) : args[++i]?.value ?? null;
        if (check !== null && (value === null || !check(value))) {
          return not(`-${ch} ${value ?? "(only known at run time)"}`);
        }
        break;
      }
      if (!table.flags.includes(ch)) return not(`-${ch}`);
    }
  }
  return null;
}
