/**
 * Whether an error means the database cannot be reached (down, restarting, refusing connections, the
 * connection cut), as opposed to a bad statement or a bug: clients then get SERVICE_UNAVAILABLE, worth a retry.
 *
 * The shapes, as reproduced against PostgreSQL with Prisma 6.19 and @prisma/adapter-pg: Prisma throws a
 * DriverAdapterError whose `cause` is the adapter's mapping (`kind` DatabaseNotReachable, ConnectionClosed,
 * SocketTimeout, TooManyConnections, or `postgres` with the server's `code` and `severity`: a database that
 * refuses connections answers FATAL 55000, a terminated backend 57P01); the queue's raw pg statements throw pg's
 * own errors (the same codes, or "Connection terminated unexpectedly"); sockets fail with ECONNREFUSED and the
 * like, sometimes inside an AggregateError; Prisma's engine errors carry P1001/P1002/P1017.
 */

/** SQLSTATEs of a lost or refused connection: class 08, admin/crash shutdown, cannot connect now, too many connections. */
const POSTGRES_CODES = /^(08[0-9A-Z]{3}|57P0[123]|53300)$/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** Prisma: can't reach the server, timed out reaching it, the server closed the connection. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017']);
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** pg's messages for a connection that ended or never came (they carry no code). */
const PG_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end on the pool)/;

interface ErrorFields {
  code?: unknown;
  errorCode?: unknown;
  kind?: unknown;
  severity?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
  errors?: unknown;
}

function meansUnreachable(error: ErrorFields): boolean {
  for (const code of [error.code, error.errorCode]) {
    if (typeof code !== 'string') continue;
    if (POSTGRES_CODES.test(code) || SOCKET_CODES.has(code) || PRISMA_CODES.has(code)) return true;
  }
  // FATAL ends the session: the server refused the connection (e.g. 55000, database not accepting connections) or dropped it.
  if (error.severity === 'FATAL' && typeof error.code === 'string') return true;
  if (typeof error.kind === 'string' && ADAPTER_KINDS.has(error.kind)) return true;
  return typeof error.message === 'string' && PG_MESSAGES.test(error.message);
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const pending: unknown[] = [error];
  const seen = new Set<unknown>();
  // Causes nest a few levels at most (Prisma error → adapter error → its cause); the bound guards against cycles.
  while (pending.length > 0 && seen.size < 16) {
    const next = pending.pop();
    if (next === null || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    const fields = next as ErrorFields;
    if (meansUnreachable(fields)) return true;
    pending.push(fields.cause, fields.meta?.driverAdapterError);
    if (Array.isArray(fields.errors)) pending.push(...fields.errors);
  }
  return false;
}
