/**
 * Entry of the compiled probe (binary_test.ts): the rule engine and every tokenizer, inside a `bun build --compile`
 * binary run from a folder without node_modules. Prints one JSON line.
 */
import { evaluateRules } from "../../src/rules/mod.ts";
import { countMessages, loadTokenizer, TOKENIZERS } from "../../src/tokens/mod.ts";

const out: Record<string, unknown> = {};
out.rules = evaluateRules([], { tool: "run_bash", tableRisk: "high", args: { cmd: "grep -n x f && ls | wc -l" } }).risk;
out.dangerous = evaluateRules([], { tool: "run_bash", tableRisk: "high", args: { cmd: "ls; rm -rf x" } }).risk;
for (const name of TOKENIZERS) {
  const t0 = performance.now();
  const t = await loadTokenizer(name);
  const loadMs = performance.now() - t0;
  out[name] = {
    hello: t.count("hello world, this is a test"),
    messages: countMessages([{ role: "user", content: "hi" }], t),
    loadMs,
  };
}
out.parser = evaluateRules([], { tool: "run_bash", tableRisk: "high", args: { cmd: "cat <<EOF\n$(rm x)\nEOF" } }).notes;
console.log(JSON.stringify(out));
