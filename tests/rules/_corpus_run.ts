/**
 * Prints the corpus counts as one JSON line; corpus_test.ts runs it under Bun (and compares with Deno's).
 *
 *   ./node_modules/.bin/bun tests/rules/_corpus_run.ts
 */
import { corpusCounts } from "./_corpus.ts";

console.log(JSON.stringify(corpusCounts()));
