/**
 * One-line reasons for failed health checks. A probe's body is read by orchestrators and by whoever can reach the
 * port, so it names the check and a short cause, never a driver's message (Prisma's repeat the statement and, from a
 * bundled client, minified source) or a stack.
 */

export class CheckTimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = new.target.name;
  }
}

/** `work`, or a CheckTimeoutError once `ms` have passed without an answer. */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CheckTimeoutError(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A code is shown only when it is a bare token (SQLSTATE `55000`, errno `ECONNREFUSED`, adapter kind `ConnectionClosed`). */
const SAFE_CODE = /^[A-Za-z0-9_]{2,40}$/;

/**
 * The most telling code in a database error: the adapter's kind when it names the trouble, else PostgreSQL's SQLSTATE
 * or the socket's errno, found along Prisma's wrapping (meta.driverAdapterError, cause).
 */
export function databaseErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  let fallback: string | undefined;
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { kind, code, originalCode, cause, meta } = current as Record<string, unknown>;
    if (typeof kind === 'string' && kind !== 'postgres' && kind !== 'sqlite' && SAFE_CODE.test(kind)) return kind;
    for (const candidate of [originalCode, code]) {
      if (typeof candidate === 'string' && SAFE_CODE.test(candidate) && !/^P\d{4}$/.test(candidate)) fallback ??= candidate;
    }
    queue.push(cause, (meta as Record<string, unknown> | undefined)?.driverAdapterError);
  }
  return fallback;
}

/** "database: unreachable (no answer within 3000 ms)", "database: unreachable (ConnectionClosed)", … */
export function databaseFailure(error: unknown): string {
  if (error instanceof CheckTimeoutError) return `database: unreachable (${error.message})`;
  const code = databaseErrorCode(error);
  if (!code) return 'database: unreachable';
  // PostgreSQL's five-character SQLSTATE (55000: the database does not accept connections) says little bare.
  return /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code) ? `database: unreachable (SQLSTATE ${code})` : `database: unreachable (${code})`;
}
