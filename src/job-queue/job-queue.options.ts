import { ANONYMOUS_ADMIN } from './common/caller';
import type { ResolveCaller } from './common/caller-context';
import type { TextAnalyzer } from './processor-contract/text-analyzer';
import type { OutputOf } from './option-schema';
import { jobQueueOptionsSchema, type RetrySettings } from './job-queue-options.schema';
import { checkAgainst, shownValue } from './option-problems';

/**
 * Options of {@link JobQueueModule}. Everything but what a host must choose has a default; the defaults and limits
 * are stated once, in job-queue-options.schema.ts.
 */
export interface JobQueueModuleOptions {
  /** Unset or a `file:` URL: SQLite (default `file:./data/queue.db`). `postgres://` or `postgresql://`: PostgreSQL. */
  databaseUrl?: string;
  /** Where uploaded files are stored. Default `./data/files`. */
  storageDir?: string;
  /** Largest accepted upload in bytes. Default 1 GiB. */
  maxUploadBytes?: number;
  /**
   * An upload whose body delivers less than 1 KiB in this long (silent, or dribbling a byte now and then) is cut:
   * 408 and nothing kept. Default 30 000 ms.
   */
  uploadIdleTimeoutMs?: number;
  /** false makes an API-only instance that never claims jobs. Default true. */
  workersEnabled?: boolean;
  /**
   * Jobs one instance runs at once. Default 4. On PostgreSQL, up to as many again may be finishing meanwhile: done
   * processing, their outcome being committed (still PROCESSING and leased until it is).
   */
  workerConcurrency?: number;
  /** How long shutdown waits for running jobs before putting them back to PENDING. Default 30 000 ms. */
  shutdownTimeoutMs?: number;
  /** Fallback poll when no wake-up arrives. Default 5 000 ms. */
  pollIntervalMs?: number;
  /** A PROCESSING job whose lease is not renewed for this long is stalled. Default 300 000 ms. */
  stalledJobThresholdMs?: number;
  /** maxRetries of jobs that do not set their own. Default 3. */
  defaultMaxRetries?: number;
  /** Backoff of automatic retries (initial 1 s, ×2, at most 60 s, ±10 %); a job overrides it with `options.retry`. */
  retry?: Partial<RetrySettings>;
  /** An attempt still running after this long is aborted and fails with TIMEOUT; `options.timeoutMs` overrides. Default none. */
  jobTimeoutMs?: number | null;
  /** extractedText is kept up to this many bytes (the full length and a truncation flag go to metadata). Default 1 MiB. */
  maxExtractedTextBytes?: number;
  /**
   * The heap of the thread that parses one PDF, DOCX or Markdown file, in MB; a file whose parse needs more fails
   * FILE_TOO_LARGE instead of taking the process down (16 MB of dense DOCX XML needed ~2 GB in mammoth). Default 1024.
   */
  maxParserHeapMb?: number;
  /** Analyses extracted text into `result.analysis` (default: LocalTextAnalyzer); null turns analysis off. */
  analyzer?: TextAnalyzer | null;
  /** Register the processors that ship with the library (txt, ...). Default true. */
  builtInProcessors?: boolean;
  /** How often the scheduled health check runs (it also recovers stalled jobs). Default 60 000 ms. */
  healthCheckIntervalMs?: number;
  /** COMPLETED, FAILED and CANCELLED jobs older than this are deleted by the hourly cleanup. Default 168 h. */
  jobRetentionHours?: number;
  /** Where queue health turns DEGRADED or UNHEALTHY. */
  healthThresholds?: Partial<HealthThresholds>;
  /** Serve GET /health and GET /metrics. Default true. */
  httpEndpoints?: boolean;
  /** Serve the dashboard (built into the package by `npm run build`) at /dashboard. Default true. */
  dashboard?: boolean;
  /** Serve GraphiQL (built into the package, works offline) at /graphiql. Default true. */
  explorer?: boolean;
  /** Run the pending migrations when the module starts. Default true. */
  migrateOnStart?: boolean;
  /**
   * Who is asking, from the HTTP request (queries, mutations, POST /files) or the graphql-ws connection
   * (connectionParams and upgrade request); may be async; throw AccessException to refuse. Default: an anonymous
   * administrator. Install `authenticateConnections(resolveCaller)` as graphql-ws `onConnect` to check it once at
   * connection_init (4403 on refusal) instead of at the first subscription.
   */
  resolveCaller?: ResolveCaller;
}

export interface HealthThresholds {
  /** Success rate below this: DEGRADED (0.9). */
  successRateDegraded: number;
  /** Success rate below this: UNHEALTHY (0.7). */
  successRateUnhealthy: number;
  /** More stalled jobs than this: DEGRADED (0). */
  stalledDegraded: number;
  /** More stalled jobs than this: UNHEALTHY (5). */
  stalledUnhealthy: number;
  /** More PENDING jobs than this: DEGRADED (100). */
  pendingDegraded: number;
  /** The oldest due PENDING job waiting longer than this: DEGRADED (10 minutes). */
  oldestPendingDegradedMs: number;
}

export type ResolvedJobQueueOptions = Omit<
  OutputOf<typeof jobQueueOptionsSchema>,
  'databaseUrl' | 'analyzer' | 'resolveCaller'
> & {
  /** undefined: the default analyzer, chosen by the job runner (options do not construct processor-side objects). */
  analyzer: TextAnalyzer | null | undefined;
  resolveCaller: ResolveCaller;
  database: DatabaseTarget;
};

export type DatabaseTarget = { provider: 'sqlite'; filePath: string } | { provider: 'postgresql'; url: string };

export const DEFAULT_SQLITE_FILE = './data/queue.db';

export function parseDatabaseUrl(url: string | undefined): DatabaseTarget {
  if (!url) return { provider: 'sqlite', filePath: DEFAULT_SQLITE_FILE };
  if (/^postgres(ql)?:\/\//.test(url)) return { provider: 'postgresql', url };
  if (url.startsWith('file:')) return { provider: 'sqlite', filePath: url.slice('file:'.length) };
  throw new Error(`Unsupported database URL "${url}": use file:PATH for SQLite or postgresql://... for PostgreSQL`);
}

/**
 * Checks the options against their schema (the same one the environment is read with) and fills in the defaults.
 * Invalid options stop start-up with every problem named at once.
 */
export function resolveJobQueueOptions(options: JobQueueModuleOptions = {}): ResolvedJobQueueOptions {
  const checked = checkAgainst(jobQueueOptionsSchema, options, {
    name: (path) => path.join('.'),
    shown: (path) => shownValue(options, path),
  });
  if (!checked.value) throw new Error(`Invalid JobQueueModule options:\n  - ${checked.problems.join('\n  - ')}`);
  const { databaseUrl, analyzer, resolveCaller, ...rest } = checked.value;
  return {
    ...rest,
    database: parseDatabaseUrl(databaseUrl),
    analyzer,
    resolveCaller: resolveCaller ?? (() => ANONYMOUS_ADMIN),
  };
}
