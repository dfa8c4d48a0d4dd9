import assert from "node:assert/strict";
import {
  CHECK_SCRIPTS,
  CHECK_TOOLS,
  checkProjectCheck,
  MAKE_TARGETS,
  PROJECT_CHECK_PROGRAMS,
} from "../../src/rules/project_checks.ts";
import { analyzeScript } from "../../src/rules/shell.ts";

const verdict = (s: string, resolve?: (t: string) => string | null) =>
  checkProjectCheck(analyzeScript(s).commands[0]!, resolve);

Deno.test("project checks: the documented table is what the code knows", () => {
  for (const file of ["../../docs/rules.md", "../../README.md"]) {
    const doc = Deno.readTextFileSync(new URL(file, import.meta.url));
    for (const name of [...PROJECT_CHECK_PROGRAMS, ...CHECK_SCRIPTS, ...Object.keys(CHECK_TOOLS), ...MAKE_TARGETS]) {
      assert.ok(doc.includes(name), `${file} does not name ${name}`);
    }
    assert.ok(doc.includes('"projectChecks": false'), `${file} does not name the switch`);
  }
});

Deno.test("project checks: exact shapes, named as the rationale shows them", () => {
  const cases: Array<[string, string]> = [
    ["npm test", "npm test"],
    ["npm t -- --watch", "npm test"],
    ["npm run-script format:check", "npm run format:check"],
    ["pnpm run type-check", "pnpm run type-check"],
    ["pnpm exec vitest run", "pnpm exec vitest"],
    ["yarn jest", "yarn jest"],
    ["bun run lint", "bun run lint"],
    ["npx prettier --check .", "npx prettier"],
    ["deno fmt --check", "deno fmt --check"],
    ["python3 -m unittest", "python3 -m unittest"],
    ["cargo clippy", "cargo clippy"],
    ["go vet ./...", "go vet"],
    ["make -j 4 lint check", "make lint check"],
    ["exec timeout 5 nice pytest", "pytest"],
  ];
  for (const [s, check] of cases) assert.deepEqual(verdict(s), { check, reason: null }, s);
});

Deno.test("project checks: programs that run no checks give no verdict; look-alikes say why", () => {
  for (const s of ["ls", "rm -rf x", "node x.js", "bunx tsc", "/usr/bin/npm test", "bash -c 'npm test'"]) {
    assert.deepEqual(verdict(s), { check: null, reason: null }, s);
  }
  const cases: Array<[string, RegExp]> = [
    ["npm install", /^npm install is not a project check/],
    ["npm run clean", /^npm run clean is not a project check \(the scripts are test, lint/],
    ["npm test --reg=https://x", /^npm --reg=https:\/\/x \(--registry\) changes where it runs or fetches from$/],
    ["npm test -Cfoo", /-Cfoo \(-C\) changes where it runs/],
    ["npm test --foo", /not an option a project check may take/],
    ["npx --yes tsc", /^npx options before the tool \(--yes\) install or run other code/],
    ["npx tsc --pref=/x", /--prefix/],
    ["npx vitest bench", /^vitest bench is not vitest run/],
    ["npx prettier --write=true .", /rewrites files/],
    ["deno fmt src", /rewrites files/],
    ["cargo --config x test", /^cargo --config is not a project check/],
    ["cargo test -Zbuild-std", /unstable/],
    ["go test --exec=./x ./...", /runs another program/],
    ["make test CC=x", /overrides a variable/],
    ["make", /no target/],
    ["FOO=1 npm test", /^FOO=1 in front of npm changes what it runs$/],
    ["npm test $x", /only known at run time/],
    ["xargs npm test", /further arguments at run time/],
    ["npm test -- /etc/passwd", /^npm test: the argument "\/etc\/passwd" names a path outside the workspace$/],
    ["npx tsc --outDir=../out", /"--outDir=..\/out" names a path outside the workspace/],
    ["go build -o/tmp/x", /"-o\/tmp\/x" names a path outside the workspace/],
    ["deno test jsr:@std/x", /names code from elsewhere/],
    ["npm test -- git+https://x", /names code from elsewhere/],
  ];
  for (const [s, re] of cases) {
    const v = verdict(s);
    assert.equal(v.check, null, s);
    assert.match(v.reason ?? "", re, s);
  }
});

Deno.test("project checks: a path is outside by the caller's resolver (symlinks, the workspace's absolute root)", () => {
  const resolve = (t: string) => (t === "/ws" ? "." : t.startsWith("/ws/") ? t.slice(4) : null);
  assert.equal(verdict("npx tsc -p /ws/tsconfig.json", resolve).check, "npx tsc");
  assert.equal(verdict("npx tsc -p /elsewhere/tsconfig.json", resolve).check, null);
  // `..` that stays inside is inside; a relative path is never resolved to outside by text alone
  assert.equal(verdict("npx tsc -p src/../tsconfig.json").check, "npx tsc");
  assert.equal(verdict("npx tsc -p ../tsconfig.json", () => null).check, null);
});
