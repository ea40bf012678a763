import { Pool, type PoolConfig } from 'pg';
import type { DatabaseConnection, PrismaService } from '../prisma.service';
import { PostgresDriver } from './postgres-driver';
import { TALLIED_BY_STATEMENT } from '../postgres-tallies';
import { QUEUE_TYPE_PARSERS } from './timestamptz';

/**
 * Connections per instance. Hot-path statements are batched, so a few connections carry any concurrency; staying
 * small lets many instances share PostgreSQL's default max_connections (100).
 */
const POOL_SIZE = 12;
/** Connections of the queue's own statements (claim, complete, insert): each carries a whole batch. */
const QUEUE_POOL_SIZE = 4;
/**
 * The queue's statements touch a batch of rows by key or walk the claim index in order. A table filled since its
 * statistics were last gathered (a bulk enqueue, a fresh database) makes the planner sort or scan every queued
 * job instead, 10-50x slower; on these connections only keyed, ordered plans are left to choose from.
 * (bench/hot-path-designs.ts runs its sketches on connections set the same way.)
 */
export const QUEUE_CONNECTION_OPTIONS = [
  'enable_seqscan',
  'enable_bitmapscan',
  'enable_sort',
  'enable_hashjoin',
  'enable_mergejoin',
  /*
   * A cache in front of a nested loop's inner scan, for keys that repeat: the statements' inputs are distinct ids, so
   * it has nothing to save. It stood between the primary key and the walks of the lease renewal and the progress
   * write (claim-plan.spec.ts pins each walk).
   */
  'enable_memoize',
]
  .map((setting) => `-c ${setting}=off`)
  .concat(
    /*
     * Each statement planned once per connection. By default PostgreSQL plans a prepared statement anew at every run
     * while it prices the generic plan above the custom ones, and the queue's always were: the claim's LIMIT $2 is
     * priced as a tenth of the queue, a completion of a few jobs as an array of ten. Planning was 0.5 ms of every
     * claim; serial claims and completions of one job took ~880 µs of server CPU a job, ~500 with this (of 100 jobs:
     * ~70 -> ~67). With the plans left above, the generic plan is the same keyed or index-ordered walk a value would
     * pick (claim-plan.spec pins the claim's).
     */
    '-c plan_cache_mode=force_generic_plan',
    /*
     * No JIT: a sort these connections do need (COMPLETE_SQL's of its own input) is priced past jit_above_cost by
     * enable_sort = off, and PostgreSQL then compiled the completion at every run: 1.7 ms of server CPU a job.
     */
    '-c jit=off',
    // The claim, the completion and the settlement tally their own moves (postgres-tallies.ts).
    TALLIED_BY_STATEMENT,
  )
  .join(' ');

/*
 * The generated client and its adapter are loaded on first use: a worker-only process runs on the driver's own
 * statements and needs neither. With the enums read from the client's browser entry (postgres-queue-statements.ts),
 * the bench's burn-down worker was 88-90 MB of RSS when booted instead of 91-93, and peaked at 115-116 MB, not 116-117.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, see above */
let loadedClient: typeof import('.prisma/postgresql-client') | undefined;
const generatedClient = () =>
  (loadedClient ??= require('.prisma/postgresql-client') as typeof import('.prisma/postgresql-client'));
const prismaAdapter = () => require('@prisma/adapter-pg') as typeof import('@prisma/adapter-pg');
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The queue pool's settings. It keeps one connection however long it idles (`min`): a connection closed after the
 * pool's 10 s idle timeout made the next statement open a backend and prepare and plan itself again, a claim of
 * 17.9 ms instead of 1.6 after 11 s without work (an instance with no worker, whose enqueues then paid it, or a poll
 * interval above 10 s). The others are opened under load and closed again after it.
 */
export function queuePoolConfig(url: string): PoolConfig {
  return {
    connectionString: url,
    max: QUEUE_POOL_SIZE,
    min: 1,
    options: QUEUE_CONNECTION_OPTIONS,
    types: QUEUE_TYPE_PARSERS,
  };
}

/** PostgreSQL's pools, Prisma client and driver (loaded only when the queue runs on PostgreSQL). */
export function openPostgres(service: PrismaService, url: string): DatabaseConnection {
  const pool = new Pool({ connectionString: url, max: POOL_SIZE });
  const queuePool = new Pool(queuePoolConfig(url));
  return {
    pool,
    queuePool,
    client: () => new (generatedClient().PrismaClient)({ adapter: new (prismaAdapter().PrismaPg)(pool) }),
    get fragments() {
      return generatedClient().Prisma;
    },
    driver: new PostgresDriver(service, url),
  };
}
