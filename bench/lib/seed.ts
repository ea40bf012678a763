import Database from 'better-sqlite3';
import { recordAndStateColumns } from '../../src/job-queue/database/postgres-queue-statements';
import { type BenchDatabase, withClient } from './databases';

/**
 * Fills a migrated, empty database with `rows` jobs in one statement (generate_series on PostgreSQL, a recursive
 * CTE on SQLite) — the same rows on both: a deterministic mix of statuses, formats and priorities, created over
 * the last 6.5 days (inside the default 7-day retention: all count in the 7-day figures, the hourly cleanup deletes
 * none), with an attempt row per started job (failed ones carrying an error code), over 1,000 stored files.
 */
const FILES = 1000;
const FORMATS = ['txt', 'txt', 'csv', 'json', 'pdf', 'pdf', 'docx', 'png', 'md', 'html'];
const ERRORS = ['MALFORMED_FILE', 'INVALID_FILE', 'TIMEOUT', 'UNSUPPORTED_FORMAT', 'FILE_NOT_FOUND'];
const DAY_MS = 86_400_000;

interface Dialect {
  /** A sequence 0..count-1 as rows of column `i`. */
  series(count: number): string;
  /** Epoch milliseconds (an integer expression) as a value of a timestamp column. */
  ts(ms: string): string;
  json(text: string): string;
  pad(expression: string, width: number): string;
  /** Statements that store the jobs `select` gives (SEEDED_COLUMNS, in order). */
  insertJobs(select: string): string[];
}

const postgres: Dialect = {
  series: (count) => `(SELECT g::bigint AS i FROM generate_series(0, ${count - 1}) AS g) AS seq`,
  ts: (ms) => `to_timestamp((${ms}) / 1000.0)`,
  json: (text) => `'${text}'::jsonb`,
  pad: (expression, width) => `lpad((${expression})::text, ${width}, '0')`,
  // Into the job's two tables at once: through the processing_jobs view, each row would go through its INSTEAD OF
  // trigger.
  insertJobs: (select) => [
    `CREATE TEMP TABLE seeded_jobs (${SEEDED_COLUMNS}) ON COMMIT DROP AS ${select}`,
    `INSERT INTO job_records (${RECORD_COLUMNS}) SELECT ${RECORD_COLUMNS} FROM seeded_jobs`,
    `INSERT INTO job_states (${STATE_COLUMNS}) SELECT ${STATE_COLUMNS} FROM seeded_jobs`,
  ],
};

const sqlite: Dialect = {
  series: (count) =>
    `(WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ${count - 1}) SELECT i FROM s) AS seq`,
  ts: (ms) => `(${ms})`,
  json: (text) => `'${text}'`,
  pad: (expression, width) => `printf('%0${width}d', ${expression})`,
  insertJobs: (select) => [`INSERT INTO processing_jobs (${SEEDED_COLUMNS}) ${select}`],
};

const pick = (expression: string, values: string[]) =>
  `CASE ${expression} ${values.map((value, index) => `WHEN ${index} THEN '${value}'`).join(' ')} END`;

function statements(d: Dialect, rows: number, now: number): string[] {
  const step = Math.max(1, Math.floor((6.5 * DAY_MS) / rows));
  // Per row: a status bucket (per mille), the file, and timestamps.
  const bucket = `((i * 7919) % 1000)`;
  const status = `CASE WHEN ${bucket} < 700 THEN 'COMPLETED' WHEN ${bucket} < 780 THEN 'FAILED' WHEN ${bucket} < 900 THEN 'PENDING' WHEN ${bucket} < 920 THEN 'PROCESSING' WHEN ${bucket} < 950 THEN 'RETRYING' ELSE 'CANCELLED' END`;
  const created = `(${now} - (${rows} - i) * ${step})`;
  const started = `(${created} + (i * 31) % 5000)`;
  const finished = `(${started} + 50 + (i * 97) % 60000)`;
  const isStarted = `${bucket} NOT BETWEEN 780 AND 899 AND ${bucket} < 975`;
  const isFinished = `(${bucket} < 780 OR ${bucket} >= 950)`;
  const file = `(i % ${FILES})`;
  const jobId = `'cseed' || ${d.pad('i', 20)}`;
  const files = `INSERT INTO stored_files (id, original_name, size, format, checksum, storage_path, created_at)
    SELECT 'fseed' || ${d.pad('i', 20)}, 'file-' || i || '.' || ${pick(`i % ${FORMATS.length}`, FORMATS)}, 1000 + (i * 7727) % 5000000,
           ${pick(`i % ${FORMATS.length}`, FORMATS)}, 'seed-' || i, 'seed/' || i, ${d.ts(`${now - 7 * DAY_MS}`)}
      FROM ${d.series(FILES)}`;
  const jobs = `SELECT ${jobId}, 'fseed' || ${d.pad(file, 20)}, 'file-' || ${file} || '.' || ${pick(`${file} % ${FORMATS.length}`, FORMATS)},
      1000 + (${file} * 7727) % 5000000, ${pick(`${file} % ${FORMATS.length}`, FORMATS)}, status,
      CASE status WHEN 'COMPLETED' THEN 'COMPLETED' WHEN 'PROCESSING' THEN 'READING' ELSE 'QUEUED' END,
      CASE status WHEN 'COMPLETED' THEN 100 WHEN 'PROCESSING' THEN 30 ELSE 0 END,
      CASE status WHEN 'COMPLETED' THEN 1000 + (${file} * 7727) % 5000000 END,
      CASE WHEN (i * 104729) % 100 < 20 THEN 1 WHEN (i * 104729) % 100 < 85 THEN 2 ELSE 3 END,
      CASE status WHEN 'COMPLETED' THEN ${d.json('{"lines": 42, "encoding": "utf-8"}')} END,
      CASE status WHEN 'COMPLETED' THEN ${d.json('{"analysis": {"wordCount": 120}}')} END,
      CASE status WHEN 'COMPLETED' THEN 'extracted text of a seeded job, kept short: the statistics never read it' END,
      CASE status WHEN 'FAILED' THEN ${pick(`i % ${ERRORS.length}`, ERRORS)} END,
      CASE status WHEN 'FAILED' THEN 'seeded failure' END,
      CASE WHEN status = 'FAILED' AND i % ${ERRORS.length} <> 2 THEN FALSE ELSE TRUE END,
      CASE WHEN ${isStarted} THEN 1 ELSE 0 END, CASE status WHEN 'RETRYING' THEN 1 ELSE 0 END, 3,
      CASE status WHEN 'RETRYING' THEN ${d.ts(`${now + 60_000}`)} END,
      CASE status WHEN 'RETRYING' THEN ${d.ts(`${now + 60_000}`)} ELSE ${d.ts(created)} END,
      CASE status WHEN 'PROCESSING' THEN 'seed-worker' END,
      CASE status WHEN 'PROCESSING' THEN ${d.ts(`${now + 300_000}`)} END,
      CASE status WHEN 'COMPLETED' THEN ${finished} - ${started} END,
      ${d.ts(created)},
      CASE WHEN ${isStarted} THEN ${d.ts(started)} END,
      CASE WHEN ${isFinished} THEN ${d.ts(finished)} END,
      CASE WHEN ${isFinished} THEN ${d.ts(finished)} WHEN ${isStarted} THEN ${d.ts(started)} ELSE ${d.ts(created)} END
    FROM (SELECT i, ${status} AS status FROM ${d.series(rows)}) AS numbered`;
  const attempts = `INSERT INTO job_attempts (id, job_id, number, worker_id, started_at, finished_at, outcome, error_code, error_message)
    SELECT id || ':1', id, 1, 'seed-worker', started_at, CASE status WHEN 'RETRYING' THEN updated_at ELSE completed_at END,
      CASE status WHEN 'PROCESSING' THEN NULL WHEN 'RETRYING' THEN 'FAILED' ELSE status END,
      CASE status WHEN 'RETRYING' THEN 'TIMEOUT' ELSE error_code END, CASE status WHEN 'RETRYING' THEN 'seeded timeout' ELSE error_message END
    FROM processing_jobs WHERE started_at IS NOT NULL`;
  return [files, ...d.insertJobs(jobs), attempts];
}

/** The columns the seed's job rows give, in the order of its SELECT; the others keep their defaults. */
const SEEDED_COLUMNS = `id, file_id, file_name, file_size, format, status, stage, progress, bytes_processed, priority,
  metadata, result, extracted_text, error_code, error_message, error_recoverable, attempt_count, retry_count, max_retries,
  next_retry_at, available_at, lease_owner, lease_expires_at, actual_duration, created_at, started_at, completed_at,
  updated_at`;
/** Of those, what PostgreSQL keeps in a job's record and in its state (migration 20261206100000_job_state_apart). */
const STORED = recordAndStateColumns(SEEDED_COLUMNS.split(',').map((column) => column.trim()));
const RECORD_COLUMNS = STORED.record.join(', ');
const STATE_COLUMNS = STORED.state.join(', ');

export async function seedJobs(db: BenchDatabase, rows: number): Promise<void> {
  const now = Date.now();
  if (db.kind === 'postgres') {
    await withClient(db.url, async (client) => {
      await client.query('BEGIN');
      for (const sql of statements(postgres, rows, now)) await client.query(sql);
      await client.query('COMMIT');
      // What autovacuum would have done by the time a table holds a million jobs: statistics and the visibility map.
      await client.query('VACUUM ANALYZE');
    });
    return;
  }
  const sqliteDb = new Database(db.url.slice('file:'.length), { timeout: 10_000 });
  try {
    sqliteDb.transaction(() => statements(sqlite, rows, now).forEach((sql) => sqliteDb.exec(sql)))();
  } finally {
    sqliteDb.close();
  }
}
