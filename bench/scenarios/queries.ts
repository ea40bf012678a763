import { LIST_ORDER } from '../../src/job-queue/database/prisma-job-records';
import { encodeJobCursor } from '../../src/job-queue/jobs/job-cursor';
import type { BenchDatabase } from '../lib/databases';
import { graphql } from '../lib/graphql-http';
import { startOurService } from '../lib/our-service';
import { seedJobs } from '../lib/seed';
import { percentile } from '../lib/stats';

/** The monitoring query of the README, every field. */
const JOB_STATS = `{ jobStats {
  total successRate averageProcessingTimeMs averageQueueTimeMs
  byStatus { status count } byFormat { format count } byPriority { priority count }
  throughput { lastHour last24Hours last7Days } errors { code count lastSeenAt }
} }`;
/** The first page a job list shows; `after` a cursor, a page further down. */
const jobsPage = (after?: string) => `{ jobs(first: 20${after ? `, after: "${after}"` : ''}) {
  totalCount
  edges { cursor node { id fileName format status priority progress stage createdAt completedAt errorCode } }
  pageInfo { hasNextPage hasPreviousPage endCursor }
} }`;
const JOBS_PAGE = jobsPage();

const SAMPLES_PER_ROUND = 15;

export interface QueryRound {
  jobStatsP50: number;
  jobsP50: number;
  /** The page after the cursor of the job halfway down the list. */
  jobsHalfwayP50: number;
}

async function timed(port: number, query: string): Promise<number> {
  const started = performance.now();
  await graphql(port, query);
  return performance.now() - started;
}

/**
 * Seeds `rows` jobs, then measures jobStats, jobs(first: 20) and the page after the cursor of the job halfway down
 * the list over HTTP against an API-only instance (no workers, so the table holds still): three warm-up requests
 * each, then `rounds` rounds of 15 sequential requests each.
 */
export async function measureQueries(
  db: BenchDatabase,
  rows: number,
  rounds: number,
  log: (message: string) => void,
): Promise<QueryRound[]> {
  const service = await startOurService({ databaseUrl: db.url, storageDir: `${db.dir}/files`, workersEnabled: false });
  try {
    const seedStarted = Date.now();
    await seedJobs(db, rows);
    log(
      `ours/${db.kind} seeded ${rows.toLocaleString('en-US')} jobs in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s`,
    );
    const { jobStats } = await graphql<{ jobStats: { total: number } }>(service.port, JOB_STATS);
    if (jobStats.total !== rows) throw new Error(`jobStats.total is ${jobStats.total}, expected ${rows}`);
    const halfway = await service.prisma.client.processingJob.findFirst({
      orderBy: LIST_ORDER,
      skip: Math.floor(rows / 2),
      select: { id: true, createdAt: true },
    });
    const halfwayPage = jobsPage(encodeJobCursor(halfway!));
    for (let index = 0; index < 3; index++) {
      await timed(service.port, JOB_STATS);
      await timed(service.port, JOBS_PAGE);
      await timed(service.port, halfwayPage);
    }
    const results: QueryRound[] = [];
    for (let round = 1; round <= rounds; round++) {
      const stats: number[] = [];
      const pages: number[] = [];
      const halfwayPages: number[] = [];
      for (let index = 0; index < SAMPLES_PER_ROUND; index++) {
        stats.push(await timed(service.port, JOB_STATS));
        pages.push(await timed(service.port, JOBS_PAGE));
        halfwayPages.push(await timed(service.port, halfwayPage));
      }
      results.push({
        jobStatsP50: percentile(stats, 0.5),
        jobsP50: percentile(pages, 0.5),
        jobsHalfwayP50: percentile(halfwayPages, 0.5),
      });
      log(
        `[round ${round}/${rounds}] ours/${db.kind} at ${rows.toLocaleString('en-US')} jobs: jobStats p50 ${results.at(-1)!.jobStatsP50.toFixed(1)} ms, jobs(first: 20) p50 ${results.at(-1)!.jobsP50.toFixed(1)} ms, halfway down ${results.at(-1)!.jobsHalfwayP50.toFixed(1)} ms`,
      );
    }
    return results;
  } finally {
    await service.close();
  }
}
