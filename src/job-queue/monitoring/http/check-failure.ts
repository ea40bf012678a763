/**
 * One-line reasons for failed health checks. A probe's body is read by orchestrators and by whoever can reach the
 * port, so it names the check and a short cause, never a driver's message (Prisma's repeat the statement and, from a
 * bundled client, minified source) or a stack.
 */
import { databaseErrorCode } from '../../common/database-unavailable';

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

/** "database: unreachable (no answer within 3000 ms)", "database: unreachable (ConnectionClosed)", … */
export function databaseFailure(error: unknown): string {
  if (error instanceof CheckTimeoutError) return `database: unreachable (${error.message})`;
  const code = databaseErrorCode(error);
  if (!code) return 'database: unreachable';
  // PostgreSQL's five-character SQLSTATE (55000: the database does not accept connections) says little bare.
  return /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code)
    ? `database: unreachable (SQLSTATE ${code})`
    : `database: unreachable (${code})`;
}
