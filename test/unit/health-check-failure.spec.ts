import { CheckTimeoutError, databaseFailure, withTimeout } from '../../src/job-queue/monitoring/http/check-failure';

/** The shapes Prisma 6.19 with @prisma/adapter-pg throws (see src/job-queue/common/database-unavailable.ts's notes). */
function prismaError(cause: Record<string, unknown>): Error {
  const error = new Error(
    '\nInvalid `prisma.$queryRawUnsafe()` invocation in\n/srv/app/dist/main.js:1:9999\n→ 1 e.t(…) secret_table',
  );
  return Object.assign(error, {
    code: 'P2010',
    meta: { driverAdapterError: Object.assign(new Error('driver'), { cause }) },
  });
}

describe('One-line reasons of failed health checks', () => {
  it('names the database and the cause, never the driver message, a path or a stack', () => {
    const refused = databaseFailure(
      prismaError({
        kind: 'postgres',
        code: '55000',
        severity: 'FATAL',
        message: 'database "x" is not currently accepting connections',
      }),
    );
    expect(refused).toBe('database: unreachable (SQLSTATE 55000)');
    expect(databaseFailure(prismaError({ kind: 'ConnectionClosed' }))).toBe('database: unreachable (ConnectionClosed)');
    expect(
      databaseFailure(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' })),
    ).toBe('database: unreachable (ECONNREFUSED)');
    // Control: nothing usable in the error gives the bare reason, not its message.
    expect(databaseFailure(new Error('/srv/app/dist/main.js:1 Invalid invocation'))).toBe('database: unreachable');
    expect(databaseFailure({ code: 'has spaces and /paths' })).toBe('database: unreachable');
  });

  it('says how long it waited when the database does not answer', async () => {
    const never = new Promise<never>(() => undefined);
    const error = await withTimeout(never, 20).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CheckTimeoutError);
    expect(databaseFailure(error)).toBe('database: unreachable (no answer within 20 ms)');
    await expect(withTimeout(Promise.resolve('answer'), 1000)).resolves.toBe('answer');
  });
});
