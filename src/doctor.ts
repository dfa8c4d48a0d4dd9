/**
 * `safe-exec doctor`: which isolation layers this machine gives, and why not.
 *
 * @module
 */
import type { Runtime } from "./runtime/types.ts";

/** Print the layers; exit 0. */
export function runDoctor(runtime: Runtime, io: { out: (l: string) => void }): Promise<number> {
  io.out(`runtime: ${runtime.name} ${runtime.version}`);
  io.out(
    `worker permissions: ${
      runtime.workerIsolation.available ? "active" : "inactive"
    } — ${runtime.workerIsolation.reason}`,
  );
  return Promise.resolve(0);
}
