/**
 * Reading a JSONL file from its end: the same lines as a plain split, for every chunk size and line layout;
 * long lines skipped without being kept; a prefix of the file read as the file was; a 100 MB file answered from
 * its tail.
 */
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readLinesFromEnd } from "../../src/hook/tail_lines.ts";

function withFile(content: string | Uint8Array, fn: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tail-test-"));
  try {
    const file = join(dir, "f.jsonl");
    writeFileSync(file, content);
    fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function all(path: string, opts: Parameters<typeof readLinesFromEnd>[2] = {}): string[] {
  const out: string[] = [];
  readLinesFromEnd(path, (l) => void out.push(new TextDecoder().decode(l)), opts);
  return out;
}

Deno.test("tail: the lines of a plain split, newest first, for every chunk size (UTF-8 across chunks)", () => {
  const texts = [
    "",
    "\n",
    "a",
    "a\n",
    "a\nb",
    "a\nb\n",
    "\n\na\n\n",
    '{"x":"héllo wörld ✓"}\n{"y":"日本語のテキスト"}\n{"z":1}',
    "line\r\nwindows\r\n",
  ];
  for (const text of texts) {
    const expected = text.split("\n").filter((l) => l !== "" && l !== "\r").reverse();
    withFile(text, (f) => {
      for (const chunkBytes of [1, 2, 3, 5, 7, 64, 65536]) {
        assert.deepEqual(all(f, { chunkBytes }), expected, `${JSON.stringify(text)} chunk ${chunkBytes}`);
      }
    });
  }
});

Deno.test("tail: lines over maxLineBytes are skipped (and counted), the others kept intact", () => {
  const long = "x".repeat(1000);
  withFile(`first\n${long}\nmiddle\n${long}${long}\nlast\n`, (f) => {
    for (const chunkBytes of [3, 100, 4096]) {
      const out: string[] = [];
      const stats = readLinesFromEnd(f, (l) => void out.push(new TextDecoder().decode(l)), {
        chunkBytes,
        maxLineBytes: 500,
      });
      assert.deepEqual(out, ["last", "middle", "first"], `chunk ${chunkBytes}`);
      assert.equal(stats.skipped, 2);
    }
  });
});

Deno.test("tail: limitBytes reads the file as it was at that size", () => {
  withFile('{"n":1}\n{"n":2}\n{"n":3}\n', (f) => {
    assert.deepEqual(all(f, { limitBytes: 16 }), ['{"n":2}', '{"n":1}']);
    assert.deepEqual(all(f, { limitBytes: 12 }), ['{"n"', '{"n":1}'], "a torn last line is handed over as it is");
    assert.deepEqual(all(f, { limitBytes: 0 }), []);
    assert.deepEqual(all(f, { limitBytes: 10_000 }), ['{"n":3}', '{"n":2}', '{"n":1}']);
  });
});

Deno.test("tail: stopping early reads only the tail of a 100 MB file", () => {
  const dir = mkdtempSync(join(tmpdir(), "tail-big-"));
  try {
    const file = join(dir, "big.jsonl");
    writeFileSync(file, '{"type":"assistant","n":"old"}\n');
    truncateSync(file, 100 * 1024 * 1024); // a sparse 100 MB hole: one huge "line" of zero bytes
    appendFileSync(file, '\n{"type":"user"}\n{"type":"assistant","n":"new"}\n');
    let found = "";
    const t0 = performance.now();
    const stats = readLinesFromEnd(file, (l) => {
      const o = JSON.parse(new TextDecoder().decode(l));
      if (o.type !== "assistant") return false;
      found = o.n;
      return true;
    });
    const ms = performance.now() - t0;
    assert.equal(found, "new");
    assert.ok(stats.bytesRead <= 65536, `read ${stats.bytesRead} bytes`);
    console.log(`tail: found the last record of a 100 MB file reading ${stats.bytesRead} bytes in ${ms.toFixed(2)} ms`);
    // And the huge line is skipped, not kept, when the record is before it.
    let old = "";
    const s2 = readLinesFromEnd(file, (l) => {
      const text = new TextDecoder().decode(l);
      if (!text.includes('"old"')) return false;
      old = JSON.parse(text).n;
      return true;
    }, { maxLineBytes: 1024 * 1024 });
    assert.equal(old, "old");
    assert.equal(s2.skipped, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

Deno.test("tail: a missing file throws the file system's error", () => {
  assert.throws(() => readLinesFromEnd("/nonexistent/dir/t.jsonl", () => true), /ENOENT|No such file/);
});
