/** Turn a spawn status into the runtime-free exit record. */
export function signalName(signal: string | number | null | undefined): string | null {
  if (signal === null || signal === undefined) return null;
  return typeof signal === "number" ? `SIG${signal}` : signal;
}
