/**
 * Builds the binaries the end-to-end tests run against, and says plainly which it built: always the Bun binary for
 * this host (it builds offline); the Deno binary too when `DENORT_BIN` is set (deno compile needs denort, which
 * only the network or DENORT_BIN provides).
 *
 *   deno run --allow-read --allow-write --allow-run --allow-env _tools/build_for_tests.ts
 */
import { build, type BuildOptions, hostTarget } from "../build.ts";

const host = hostTarget();
if (host === null) {
  console.log(`build: no binary target for ${Deno.build.os}/${Deno.build.arch}; e2e tests run from source only`);
  Deno.exit(0);
}
const runtimes: Array<"bun" | "deno"> = ["bun"];
if (Deno.env.get("DENORT_BIN")) runtimes.push("deno");
let failed = false;
for (const runtime of runtimes) {
  const options: BuildOptions = { runtime, targets: [host], out: "dist", smoke: true };
  for (const r of await build(options)) {
    if (r instanceof Error) {
      failed = true;
      console.error(`build: ${runtime} binary FAILED: ${r.message}`);
    } else {
      console.log(`build: built ${r.path} (${runtime}, ${host}); the e2e tests run against it`);
    }
  }
}
if (!runtimes.includes("deno")) {
  console.log("build: Deno binary NOT built: DENORT_BIN is not set and deno compile cannot download denort here");
}
Deno.exit(failed ? 1 : 0);
