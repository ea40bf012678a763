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
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
/** Prisma: can't reach the server, timed out reaching it, the server closed the connection. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017']);
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
/** pg's messages for a connection that ended or never came (they carry no code). */
const PG_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end on the pool)/;

interface ErrorFields {
  code?: unknown;
  errorCode?: unknown;
  originalCode?: unknown;
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

/**
 * The error and what it wraps, nearest first: Prisma's error, the adapter's error, its cause, the parts of an
 * AggregateError. Causes nest a few levels at most; the bound guards against cycles.
 */
function* wrappedErrors(error: unknown): Generator<ErrorFields> {
  const queue: unknown[] = [error];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 16) {
    const next = queue.shift();
    if (next === null || typeof next !== 'object' || seen.has(next)) continue;
    seen.add(next);
    const fields = next as ErrorFields;
    yield fields;
    queue.push(fields.cause, fields.meta?.driverAdapterError);
    if (Array.isArray(fields.errors)) queue.push(...(fields.errors as unknown[]));
  }
}

export function isDatabaseUnavailable(error: unknown): boolean {
  for (const fields of wrappedErrors(error)) if (meansUnreachable(fields)) return true;
  return false;
}

/** A code is shown only when it is a bare token (SQLSTATE `55000`, errno `ECONNREFUSED`, adapter kind `ConnectionClosed`). */
const SAFE_CODE = /^[A-Za-z0-9_]{2,40}$/;

/**
 * The most telling code in a database error, safe to show: the adapter's kind when it names the trouble, else
 * PostgreSQL's SQLSTATE or the socket's errno (Prisma's own P-codes say less than what they wrap).
 */
export function databaseErrorCode(error: unknown): string | undefined {
  let fallback: string | undefined;
  for (const { kind, code, originalCode } of wrappedErrors(error)) {
    if (typeof kind === 'string' && kind !== 'postgres' && kind !== 'sqlite' && SAFE_CODE.test(kind)) return kind;
    for (const candidate of [originalCode, code]) {
      if (typeof candidate === 'string' && SAFE_CODE.test(candidate) && !/^P\d{4}$/.test(candidate))
        fallback ??= candidate;
    }
  }
  return fallback;
}
