import { createServer, type Server } from 'node:net';
import { PrismaPg } from '@prisma/adapter-pg';
import { Client, Pool } from 'pg';
import { PrismaClient } from '.prisma/postgresql-client';
import { isDatabaseUnavailable } from '../../src/job-queue/common/database-unavailable';

/** A port with nothing listening on it: a server bound to port 0, then closed. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts a connection and drops it at once: what a PostgreSQL going down mid-handshake does. */
async function droppingServer(): Promise<{ port: number; close: () => Promise<unknown> }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function thrownBy(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to fail');
}

describe('isDatabaseUnavailable', () => {
  describe('real failures to reach a database', () => {
    it('Prisma 6.19 over adapter-pg, nothing listening (ECONNREFUSED)', async () => {
      const pool = new Pool({ connectionString: `postgresql://postgres@127.0.0.1:${await closedPort()}/none`, max: 1 });
      const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
      const error = await thrownBy(() => prisma.processingJob.count());
      await prisma.$disconnect().catch(() => undefined);
      expect(isDatabaseUnavailable(error)).toBe(true);
    });

    it('Prisma 6.19 over adapter-pg, the connection dropped by the server', async () => {
      const server = await droppingServer();
      const pool = new Pool({ connectionString: `postgresql://postgres@127.0.0.1:${server.port}/none`, max: 1 });
      const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
      const error = await thrownBy(() => prisma.processingJob.count());
      await prisma.$disconnect().catch(() => undefined);
      await server.close();
      expect(isDatabaseUnavailable(error)).toBe(true);
    });

    it('a raw pg client, nothing listening', async () => {
      const client = new Client({ connectionString: `postgresql://postgres@127.0.0.1:${await closedPort()}/none` });
      expect(isDatabaseUnavailable(await thrownBy(() => client.connect()))).toBe(true);
    });
  });

  describe('the shapes seen against PostgreSQL (ALLOW_CONNECTIONS false, pg_terminate_backend)', () => {
    const driverAdapterError = (cause: object) => Object.assign(new Error('x'), { name: 'DriverAdapterError', cause });
    it.each<[string, unknown]>([
      [
        'database not accepting connections (FATAL 55000)',
        driverAdapterError({ kind: 'postgres', code: '55000', severity: 'FATAL' }),
      ],
      ['terminated backend (57P01)', driverAdapterError({ kind: 'postgres', code: '57P01', severity: 'FATAL' })],
      [
        'pg error, cannot connect now (57P03)',
        Object.assign(new Error('the database system is starting up'), { code: '57P03', severity: 'FATAL' }),
      ],
      [
        'connection failure class 08 (08006)',
        Object.assign(new Error('connection failure'), { code: '08006', severity: 'ERROR' }),
      ],
      ['pg: Connection terminated unexpectedly', new Error('Connection terminated unexpectedly')],
      ['adapter kind ConnectionClosed', driverAdapterError({ kind: 'ConnectionClosed' })],
      [
        'adapter kind DatabaseNotReachable',
        driverAdapterError({ kind: 'DatabaseNotReachable', host: 'db', port: 5432 }),
      ],
      ['Prisma P1001', Object.assign(new Error("Can't reach database server"), { code: 'P1001' })],
      [
        'Prisma P1017 wrapping the adapter error',
        Object.assign(new Error('Server has closed the connection.'), { code: 'P1017', meta: {} }),
      ],
      [
        'meta.driverAdapterError',
        Object.assign(new Error('x'), {
          code: 'P2010',
          meta: { driverAdapterError: driverAdapterError({ kind: 'SocketTimeout' }) },
        }),
      ],
      [
        'AggregateError of ECONNREFUSED',
        new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })]),
      ],
    ])('%s: yes', (_case, error) => {
      expect(isDatabaseUnavailable(error)).toBe(true);
    });

    it.each<[string, unknown]>([
      ['a unique violation (23505)', driverAdapterError({ kind: 'UniqueConstraintViolation' })],
      ['a NUL in text (22021, ERROR)', driverAdapterError({ kind: 'postgres', code: '22021', severity: 'ERROR' })],
      ['a deadlock (40P01)', Object.assign(new Error('deadlock detected'), { code: '40P01', severity: 'ERROR' })],
      [
        '55000 that is not FATAL',
        Object.assign(new Error('object not in prerequisite state'), { code: '55000', severity: 'ERROR' }),
      ],
      ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
      ['not an error at all', 'Connection terminated'],
    ])('%s: no (control)', (_case, error) => {
      expect(isDatabaseUnavailable(error)).toBe(false);
    });

    it('ends on a cycle of causes', () => {
      const error: Error & { cause?: unknown } = new Error('outer');
      error.cause = { cause: error };
      expect(isDatabaseUnavailable(error)).toBe(false);
    });
  });
});
