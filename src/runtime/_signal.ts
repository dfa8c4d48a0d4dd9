/**
 * Private helper of the runtimes: a child's signal as its name (`SIGKILL`; a number as `SIG9`), or null.
 *
 * @module
 */

/** The signal that ended a child, by name, or null. */
export function signalName(signal: string | number | null | undefined): string | null {
  if (signal === null || signal === undefined) return null;
  return typeof signal === "number" ? `SIG${signal}` : signal;
}
