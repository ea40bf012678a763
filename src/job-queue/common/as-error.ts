/**
 * An Error for whatever was thrown or given as an abort reason (an AbortSignal's reason is `any`, and a caught
 * value may be anything): rejections always carry an Error, so handlers can read `message` and `stack`.
 */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}
