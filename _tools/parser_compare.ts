/**
 * The evidence behind the choice of shell parser (docs/shell-parser.md): `unbash` and `web-tree-sitter` with
 * `tree-sitter-bash`, each run on the same corpus of tricky scripts with a small extractor of its own that lists
 * every simple command (argv as the shell would see it, `?` for a word that is not literal) and every redirection,
 * compared with what bash itself does; then the p50 parse time of a 200-character script.
 *
 * Runs under Deno and Bun:
 *
 *   deno run --allow-read --allow-env _tools/parser_compare.ts
 *   ./node_modules/.bin/bun _tools/parser_compare.ts
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { forEachChild, parse as unbashParse, type SyntaxNode, type Word } from "unbash";
import { Language, type Node as TsNode, Parser } from "web-tree-sitter";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One script and what bash runs for it: commands as `argv` strings (`?` = not literal), redirections as `op+target`. */
export interface ParserCase {
  /** The script. */
  script: string;
  /** Every simple command, argv joined by spaces, `?` for a non-literal word, sorted. Null: bash refuses it. */
  commands: string[] | null;
  /** Every redirection as `[fd]op target` (heredocs as `<<`), sorted; omitted: not checked. */
  redirects?: string[];
}

/** The corpus: each entry checked against bash's own reading of the script. */
export const PARSER_CASES: ParserCase[] = [
  { script: "ls -la | grep foo && wc -l < x", commands: ["grep foo", "ls -la", "wc -l"], redirects: ["<x"] },
  { script: 'echo "$(rm -rf /)"', commands: ["echo ?", "rm -rf /"] },
  { script: "cat `whoami`", commands: ["cat ?", "whoami"] },
  { script: "diff <(ls a) >(tee b)", commands: ["diff ? ?", "ls a", "tee b"] },
  { script: "cat <<EOF\n$(id)\nEOF\n", commands: ["cat", "id"], redirects: ["<<"] },
  { script: "cat <<'EOF'\n$(id)\nEOF\n", commands: ["cat"], redirects: ["<<"] },
  { script: "cat <<-EOF\n\t`id`\n\tEOF\nls", commands: ["cat", "id", "ls"] },
  { script: "ls # ; rm -rf /", commands: ["ls"] },
  { script: "ls '#'; rm x", commands: ["ls #", "rm x"] },
  { script: "ls a#b", commands: ["ls a#b"] },
  { script: 'l"s" -l', commands: ["ls -l"] },
  { script: "\\rm x", commands: ["rm x"] },
  { script: "bash -c 'rm -rf x; ls'", commands: ["bash -c rm -rf x; ls"] },
  { script: "(cd x && ls) ; { pwd; }", commands: ["cd x", "ls", "pwd"] },
  { script: 'for f in *.ts; do wc -l "$f"; done', commands: ["wc -l ?"] },
  { script: "f() { rm -rf /; }; f", commands: ["f", "rm -rf /"] },
  { script: "x=$(id) ls", commands: ["id", "ls"] },
  { script: "echo $(( $(id) + 1 ))", commands: ["echo ?", "id"] },
  { script: "[[ -f $(id) ]] && ls", commands: ["id", "ls"] },
  { script: "case $x in a) rm y;; b) ls;; esac", commands: ["ls", "rm y"] },
  { script: "$CMD arg", commands: ["? arg"] },
  { script: "ls > out 2>&1 &>/dev/null", commands: ["ls"], redirects: ["&>/dev/null", "2>&1", ">out"] },
  { script: "echo ${x:-$(id)}", commands: ["echo ?", "id"] },
  { script: "echo $'l\\x73'", commands: ["echo ls"] },
  { script: "ls \\\n  -l", commands: ["ls -l"] },
  { script: "echo $(cat <<EOF\nx\nEOF\n)", commands: ["cat", "echo ?"] },
  { script: 'echo "`id`"', commands: ["echo ?", "id"] },
  { script: "echo $(echo $(id))", commands: ["echo ?", "echo ?", "id"] },
  { script: "time ls -l", commands: ["ls -l"] },
  { script: "! grep x y", commands: ["grep x y"] },
  { script: "ls;;", commands: null },
  { script: 'echo "abc', commands: null },
  { script: "echo $(ls", commands: null },
  { script: "ls & rm x", commands: ["ls", "rm x"] },
  { script: "echo a |& cat", commands: ["cat", "echo a"] },
  { script: 'cat <<<"$(id)"', commands: ["cat", "id"] },
  { script: "echo 'it''s'", commands: ["echo its"] },
  { script: "exec 3>out", commands: ["exec"], redirects: ["3>out"] },
  { script: "if ! true; then :; fi", commands: [":", "true"] },
  { script: "cat < <(id)", commands: ["cat", "id"] },
  { script: "cat <<A; cat <<B\na\nA\n$(id)\nB\n", commands: ["cat", "cat", "id"] },
  { script: "select x in a; do rm $x; done", commands: ["rm ?"] },
  { script: "while read l; do echo $l; done < f", commands: ["echo ?", "read l"], redirects: ["<f"] },
  { script: "echo `echo \\`id\\``", commands: ["echo ?", "echo ?", "id"] },
  { script: "coproc cat f", commands: ["cat f"] },
  { script: "echo ok >| f; echo x >> g", commands: ["echo ok", "echo x"], redirects: [">>g", ">|f"] },
  { script: "ls -- '-x y' \"a b\"", commands: ["ls -- -x y a b"] },
  { script: 'grep -e "a\\"b" f', commands: ['grep -e a"b f'] },
  { script: 'echo "a\\$b"', commands: ["echo a$b"] },
  { script: "a=1 b=2", commands: [] },
  { script: "echo a\\ b", commands: ["echo a b"] },
  { script: "{ ls; } > out", commands: ["ls"], redirects: [">out"] },
  { script: "echo ${a[$(id)]}", commands: ["echo ?", "id"] },
  { script: "echo $(case x in x) id;; esac)", commands: ["echo ?", "id"] },
];

/** What one parser made of one script. */
export interface Extracted {
  /** Sorted commands, or null when the parser reported an error. */
  commands: string[] | null;
  /** Sorted redirections. */
  redirects: string[];
}

// --------------------------------------------------------------------------------------------------------------
// unbash

function unbashWord(w: Word): string {
  const parts = w.parts;
  if (!parts) return w.value;
  for (const p of parts) {
    if (p.type === "Literal" || p.type === "SingleQuoted" || p.type === "AnsiCQuoted") continue;
    if (p.type === "DoubleQuoted" && p.parts.every((c) => c.type === "Literal")) continue;
    return "?";
  }
  return w.value;
}

/** unbash's commands and redirections. */
export function extractUnbash(script: string): Extracted {
  const ast = unbashParse(script);
  let error = (ast.errors?.length ?? 0) > 0;
  const commands: string[] = [];
  const redirects: string[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.type === "Script" && (node.errors?.length ?? 0) > 0) error = true;
    if (node.type === "Command") {
      const words: string[] = [];
      if (node.name) words.push(unbashWord(node.name));
      for (const a of node.suffix) if (a.type === "Word") words.push(unbashWord(a));
      if (words.length > 0) commands.push(words.join(" "));
    }
    if (node.type === "Redirect" || node.type === "HereString" || node.type === "HereDoc") {
      const fd = node.descriptor?.type === "FileDescriptor" ? String(node.descriptor.value) : "";
      if (node.type === "HereDoc") redirects.push(fd + node.operator.replace("-", ""));
      else redirects.push(fd + node.operator + (node.target ? unbashWord(node.target) : ""));
    }
    forEachChild(node, visit);
  };
  visit(ast);
  return { commands: error ? null : commands.sort(), redirects: redirects.sort() };
}

// --------------------------------------------------------------------------------------------------------------
// tree-sitter-bash

let tsParser: Parser | null = null;

/** Load web-tree-sitter and the bash grammar from their bytes (no file lookups by the library). */
export async function initTreeSitter(
  runtimeWasm: Uint8Array = readFileSync(join(ROOT, "node_modules/web-tree-sitter/web-tree-sitter.wasm")),
  grammarWasm: Uint8Array = readFileSync(join(ROOT, "node_modules/tree-sitter-bash/tree-sitter-bash.wasm")),
): Promise<Parser> {
  if (tsParser) return tsParser;
  await Parser.init({ wasmBinary: runtimeWasm });
  const lang = await Language.load(grammarWasm);
  const p = new Parser();
  p.setLanguage(lang);
  tsParser = p;
  return p;
}

const BACKSLASH_IN_DQ = new Set(["$", "`", '"', "\\", "\n"]);

function tsWord(n: TsNode): string {
  switch (n.type) {
    case "word":
    case "command_name":
      if (n.type === "command_name") return n.namedChildren.length === 1 ? tsWord(n.namedChildren[0]!) : "?";
      if (/[*?[]/.test(n.text)) return n.text; // a glob stays a pattern here; both parsers are judged alike
      return n.text.replace(/\\\n/g, "").replace(/\\(.)/gs, "$1");
    case "number":
      return n.text;
    case "raw_string":
      return n.text.slice(1, -1);
    case "ansi_c_string":
      return n.text.slice(2, -1).replace(/\\x([0-9a-fA-F]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    case "string": {
      let out = "";
      for (const c of n.namedChildren) {
        if (!c) continue;
        if (c.type !== "string_content") return "?";
      }
      const inner = n.text.slice(1, -1);
      for (let i = 0; i < inner.length; i++) {
        const ch = inner[i]!;
        if (ch === "\\" && BACKSLASH_IN_DQ.has(inner[i + 1] ?? "")) {
          if (inner[i + 1] !== "\n") out += inner[i + 1];
          i++;
        } else out += ch;
      }
      return out;
    }
    case "concatenation": {
      let out = "";
      for (const c of n.namedChildren) {
        if (!c) continue;
        const v = tsWord(c);
        if (v === "?") return "?";
        out += v;
      }
      return out;
    }
    default:
      return "?";
  }
}

/** tree-sitter-bash's commands and redirections. */
export function extractTreeSitter(script: string): Extracted {
  if (!tsParser) throw new Error("initTreeSitter() first");
  const tree = tsParser.parse(script);
  if (!tree) return { commands: null, redirects: [] };
  const root = tree.rootNode;
  const commands: string[] = [];
  const redirects: string[] = [];
  const visit = (n: TsNode): void => {
    if (n.type === "command") {
      const words: string[] = [];
      const name = n.childForFieldName("name");
      if (name) words.push(tsWord(name));
      for (const a of n.childrenForFieldName("argument")) if (a) words.push(tsWord(a));
      if (words.length > 0) commands.push(words.join(" "));
    }
    if (n.type === "file_redirect" || n.type === "herestring_redirect" || n.type === "heredoc_redirect") {
      const fd = n.childForFieldName("descriptor")?.text ?? "";
      const op = n.children.find((c) => c && !c.isNamed)?.text ?? "";
      if (n.type === "heredoc_redirect") redirects.push(fd + op.replace("-", ""));
      else {
        const dest = n.childForFieldName("destination") ??
          n.namedChildren.find((c) => c && c.type !== "file_descriptor");
        redirects.push(fd + op + (dest ? tsWord(dest) : ""));
      }
    }
    for (const c of n.children) if (c) visit(c);
  };
  visit(root);
  const error = root.hasError;
  tree.delete();
  return { commands: error ? null : commands.sort(), redirects: redirects.sort() };
}

// --------------------------------------------------------------------------------------------------------------

/** How one parser did on the corpus and how fast it is. */
export interface ParserScore {
  /** Parser name. */
  name: string;
  /** Cases where commands (and redirections, when checked) equal bash's. */
  correct: number;
  /** Cases in the corpus. */
  total: number;
  /** The scripts it got wrong, with what it said. */
  wrong: Array<{ script: string; got: Extracted; expected: ParserCase }>;
  /** p50 of parse + extract for a 200-character script, in ms. */
  p50Ms: number;
  /** One-time set-up (wasm instantiation), in ms. */
  initMs: number;
}

/** A realistic 200-character agent script. */
export const SCRIPT_200 =
  `cd src && grep -rn "TODO" --include='*.ts' . | head -9; git status --short && git diff --stat HEAD ` +
  `| tail -5; find . -name '*.test.ts' -newer package.json | wc -l; ls -la $(dirname "$PWD") 2>/dev/null`;

function p50(fn: () => void, n = 2000): number {
  for (let i = 0; i < 200; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

function score(name: string, extract: (s: string) => Extracted, initMs: number): ParserScore {
  const wrong: ParserScore["wrong"] = [];
  for (const c of PARSER_CASES) {
    const got = extract(c.script);
    const expected = c.commands === null ? null : [...c.commands].sort();
    let ok = JSON.stringify(got.commands) === JSON.stringify(expected);
    if (ok && c.redirects && expected !== null) {
      ok = JSON.stringify(got.redirects) === JSON.stringify([...c.redirects].sort());
    }
    if (!ok) wrong.push({ script: c.script, got, expected: c });
  }
  return {
    name,
    correct: PARSER_CASES.length - wrong.length,
    total: PARSER_CASES.length,
    wrong,
    p50Ms: p50(() => extract(SCRIPT_200)),
    initMs,
  };
}

/** Score both parsers on {@linkcode PARSER_CASES}. */
export async function compareParsers(): Promise<ParserScore[]> {
  const t = performance.now();
  await initTreeSitter();
  const tsInit = performance.now() - t;
  return [score("unbash", extractUnbash, 0), score("tree-sitter-bash", extractTreeSitter, tsInit)];
}

if (import.meta.main) {
  if (SCRIPT_200.length !== 200) throw new Error(`SCRIPT_200 has ${SCRIPT_200.length} characters`);
  const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
  for (const s of await compareParsers()) {
    console.log(
      `${runtime} ${s.name}: ${s.correct}/${s.total} correct, p50 ${s.p50Ms.toFixed(4)} ms (200 chars), init ${
        s.initMs.toFixed(1)
      } ms`,
    );
    for (const w of s.wrong) {
      console.log(
        `  WRONG ${JSON.stringify(w.script)}: got ${JSON.stringify(w.got)} expected ${
          JSON.stringify({ commands: w.expected.commands, redirects: w.expected.redirects })
        }`,
      );
    }
  }
}
