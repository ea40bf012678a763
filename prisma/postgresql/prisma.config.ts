// Prisma CLI config for the PostgreSQL schema. engine 'js' makes the CLI use its WebAssembly schema engine
// through a driver adapter, so `prisma generate` and `prisma migrate diff` never download a native binary.
// The service itself applies migrations at start-up (src/job-queue/database/migrator.ts).
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// The schema's `url = env("DATABASE_URL")` must resolve even where no database is set (generate, diff);
// the running service never reads it: it connects through the adapter with its own configuration.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/postgres';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'migrations') },
  adapter: () => Promise.resolve(new PrismaPg({ connectionString: process.env.DATABASE_URL })),
});
