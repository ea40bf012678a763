// Prisma CLI config for the SQLite schema. engine 'js' makes the CLI use its WebAssembly schema engine
// through a driver adapter, so `prisma generate` and `prisma migrate diff` never download a native binary.
// The service itself applies migrations at start-up (src/job-queue/database/migrator.ts).
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'migrations') },
  adapter: () => Promise.resolve(new PrismaBetterSQLite3({ url: ':memory:' })),
});
