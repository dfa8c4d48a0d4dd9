/**
 * Hook payload fixtures captured from the real CLIs: the lab's e2e tests normalize each hook stdin (run folder →
 * `<run>`, ids, times, durations, process ids) and compare its shape (keys and value types, recursively) with
 * `tests/hook/fixtures/<agent>/<name>.json`; with `AGENTS_LAB_UPDATE_FIXTURES=1` they write the fixtures instead.
 * A pinned CLI that changes its payloads fails here, with the difference named.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizePayload, shapeOf } from "./_fixtures.ts";
 * const p = normalizePayload(
 *   { session_id: "47e9fc18-1111-4222-8333-123456789abc", cwd: "/tmp/run-1/project", duration_ms: 25 },
 *   "/tmp/run-1",
 * );
 * assert.deepEqual(p, { session_id: "<uuid>", cwd: "<run>/project", duration_ms: 0 });
 * assert.deepEqual(shapeOf({ a: [1], b: null }), { a: ["number"], b: "null" });
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Where the fixtures live. */
export const FIXTURES_DIR: string = fileURLToPath(
  new URL("../../hook/fixtures/", import.meta.url),
);

const _VOLATILE_KEYS: Readonly<Record<string, unknown>> = {
  duration_ms: 0,
  durationMs: 0,
  timestamp: "<time>",
};

function _string(s: string, runDir: string): string {
  return s
    .replaceAll(runDir, "<run>")
    .replaceAll(runDir.replaceAll("/", "-"), "<run-as-dir-name>")
    .replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
      "<uuid>",
    )
    .replace(/\d{4}-\d\d-\d\dT\d\d[:-]\d\d[:-]\d\d(?:\.\d+)?Z?/g, "<time>")
    .replace(/\/sessions\/\d{4}\/\d\d\/\d\d\//g, "/sessions/<date>/")
    .replace(/session-<time>-[0-9a-f]{8}/g, "session-<time>-<id>")
    .replace(/PGID: \d+/g, "PGID: <n>")
    .replace(/(Today's date is )[^.\n]*/g, "$1<date>")
    .replace(/\b(msg|req|resp|fc|ctc)_mock_[a-z0-9]+/g, "$1_mock_<id>");
}

/** A payload with its volatile parts replaced by placeholders. */
export function normalizePayload(value: unknown, runDir: string): unknown {
  if (typeof value === "string") return _string(value, runDir);
  if (Array.isArray(value)) {
    return value.map((v) => normalizePayload(v, runDir));
  }
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = Object.hasOwn(_VOLATILE_KEYS, k) && v !== null && v !== undefined
        ? _VOLATILE_KEYS[k]
        : normalizePayload(v, runDir);
    }
    return out;
  }
  return value;
}

/** A value's shape: keys and value types, recursively (arrays by the union of their items' shapes). */
export function shapeOf(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    const shapes = [...new Set(value.map((v) => JSON.stringify(shapeOf(v))))]
      .sort();
    return shapes.map((s) => JSON.parse(s));
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      out[k] = shapeOf((value as Record<string, unknown>)[k]);
    }
    return out;
  }
  return typeof value;
}

/** Write (AGENTS_LAB_UPDATE_FIXTURES=1) or check the fixture `<agent>/<name>.json` against a normalized payload. */
export function checkFixture(
  agent: string,
  name: string,
  payload: unknown,
): void {
  const file = join(FIXTURES_DIR, agent, `${name}.json`);
  if (process.env.AGENTS_LAB_UPDATE_FIXTURES === "1") {
    mkdirSync(join(FIXTURES_DIR, agent), { recursive: true });
    writeFileSync(file, JSON.stringify(payload, null, 2) + "\n");
    return;
  }
  assert.ok(
    existsSync(file),
    `no fixture ${file}: run the lab tests with AGENTS_LAB_UPDATE_FIXTURES=1 to record it`,
  );
  const fixture = JSON.parse(readFileSync(file, "utf8"));
  assert.deepEqual(
    shapeOf(payload),
    shapeOf(fixture),
    `the ${agent} ${name} payload's shape differs from ${file} (the CLI's payload changed?)`,
  );
}

const _BULKY_LINES = new Set([
  "api-request",
  "api-request-blob",
  "api-request-shape",
]);

function _trimStrings(value: unknown, runDir: string): unknown {
  if (typeof value === "string") {
    const s = _string(value, runDir);
    return s.length > 400 ? `${s.slice(0, 400)}…[${s.length} chars]` : s;
  }
  if (Array.isArray(value)) return value.map((v) => _trimStrings(v, runDir));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, _trimStrings(v, runDir)]),
    );
  }
  return value;
}

/**
 * A real transcript made small enough to commit: Claude Code's request dumps (`api-request*` lines) dropped, long
 * strings cut to 400 characters, paths and ids normalized; every record that carries usage, compaction or tool
 * outcomes is kept with its numbers.
 */
export function trimTranscript(text: string, runDir: string): string {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    if (_BULKY_LINES.has(String(o.type))) continue;
    out.push(JSON.stringify(_trimStrings(o, runDir)));
  }
  return out.join("\n") + "\n";
}

/** Write (AGENTS_LAB_UPDATE_FIXTURES=1) a trimmed real transcript as `transcripts/<name>.jsonl`. */
export function recordTranscript(
  name: string,
  path: string,
  runDir: string,
): void {
  if (process.env.AGENTS_LAB_UPDATE_FIXTURES !== "1") return;
  mkdirSync(join(FIXTURES_DIR, "transcripts"), { recursive: true });
  writeFileSync(
    join(FIXTURES_DIR, "transcripts", `${name}.jsonl`),
    trimTranscript(readFileSync(path, "utf8"), runDir),
  );
}

/** Read a fixture. */
export function readFixture(
  agent: string,
  name: string,
): Record<string, unknown> {
  return JSON.parse(
    readFileSync(join(FIXTURES_DIR, agent, `${name}.json`), "utf8"),
  );
}
