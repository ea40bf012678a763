import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import type Database from 'better-sqlite3';
import { Prisma as SqlitePrisma, PrismaClient as SqliteClient } from '.prisma/sqlite-client';
import type { DatabaseClient, DatabaseConnection, PrismaService } from '../prisma.service';
import { SqliteDriver } from './sqlite-driver';

/**
 * SQLite's Prisma client and driver (loaded only when the queue runs on SQLite). `connected` is handed Prisma's own
 * connection once it opens: the hot path runs synchronous transactions on it (PrismaService.sqliteTransaction).
 */
export function openSqlite(
  service: PrismaService,
  filePath: string,
  connected: (db: Database.Database) => void,
): DatabaseConnection {
  mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
  const adapter = new PrismaBetterSQLite3(
    { url: `file:${filePath}`, timeout: 10_000 },
    { timestampFormat: 'unixepoch-ms' },
  );
  const connect = adapter.connect.bind(adapter);
  adapter.connect = async () => {
    const connection = await connect();
    connected((connection as unknown as { client: Database.Database }).client);
    return connection;
  };
  // Made at once: the driver's statements run on its connection, opened by prepareConnection's first query.
  const client = new SqliteClient({ adapter }) as unknown as DatabaseClient; // same models, another client class
  return {
    pool: null,
    queuePool: null,
    client: () => client,
    fragments: SqlitePrisma,
    driver: new SqliteDriver(service, filePath),
  };
}
