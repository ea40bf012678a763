// The callbacks given to page.evaluate run in the browser, on its DOM.
/// <reference lib="dom" />
/**
 * First load of /dashboard: milliseconds from the start of navigation until the overview's figures are visible
 * (queue health, the job total, the success rate), in Debian's Chromium, each load in a new browser (nothing
 * cached), every request to another host refused. Prints each load and the median. Usage:
 *   npm run bench:dashboard [-- --runs 5 --jobs 300]
 * The service runs in this process on a fresh SQLite database seeded with `--jobs` uploaded text files.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { openBrowser } from '../test/support/browser';
import { waitFor } from '../test/support/test-app';
import { ensureUiBuilt } from '../test/support/ui-build';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const RUNS = option('runs', 5);
const JOBS = option('jobs', 300);
const UPLOADS_AT_ONCE = 10;

async function startService(dir: string): Promise<{ app: INestApplication; url: string }> {
  const jobQueue = {
    databaseUrl: `file:${join(dir, 'queue.db')}`,
    storageDir: join(dir, 'files'),
    pollIntervalMs: 200,
  };
  const app = await NestFactory.create(AppModule.forRoot({ port: 0, production: false, jobQueue }), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

/** Uploads `JOBS` small text files (UPLOADS_AT_ONCE requests in flight) and waits until the workers finished them. */
async function seed(url: string): Promise<void> {
  const upload = async (index: number) => {
    const form = new FormData();
    form.append('file', new Blob([`notes number ${index}\n`.repeat(20)]), `notes-${index}.txt`);
    const response = await fetch(`${url}/files`, { method: 'POST', body: form });
    if (!response.ok) throw new Error(`upload: ${response.status} ${await response.text()}`);
  };
  for (let sent = 0; sent < JOBS; sent += UPLOADS_AT_ONCE) {
    const batch = Array.from({ length: Math.min(UPLOADS_AT_ONCE, JOBS - sent) }, (_, offset) => sent + offset);
    await Promise.all(batch.map(upload));
  }
  const completed = async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jobStats { byStatus { status count } } }' }),
    });
    const { data } = (await response.json()) as {
      data: { jobStats: { byStatus: { status: string; count: number }[] } };
    };
    return data.jobStats.byStatus.find((entry) => entry.status === 'COMPLETED')?.count === JOBS;
  };
  await waitFor(completed, 120_000, 200);
}

/** One cold load: a new browser, so nothing is cached; the time is the page's own clock from navigation start. */
async function firstLoad(url: string): Promise<number> {
  const session = await openBrowser(url);
  try {
    await session.page.goto(`${url}/dashboard/`, { waitUntil: 'commit' });
    const shownAt = await session.page.waitForFunction(
      () => {
        const shown = (label: string) => {
          const element = document.querySelector<HTMLElement>(`[aria-label="${label}"]`);
          return element !== null && element.offsetParent !== null && element.textContent.trim() !== '';
        };
        const health = document.querySelector<HTMLElement>('[aria-label^="Health: "]');
        return health?.offsetParent && shown('Total jobs') && shown('Success rate') ? performance.now() : false;
      },
      undefined,
      { polling: 'raf', timeout: 30_000 },
    );
    if (session.refusedRequests.length > 0)
      throw new Error(`requests to other hosts: ${session.refusedRequests.join(', ')}`);
    return Number(await shownAt.jsonValue());
  } finally {
    await session.close();
  }
}

async function main(): Promise<void> {
  await ensureUiBuilt('dashboard');
  const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
  const { app, url } = await startService(dir);
  try {
    await seed(url);
    const times: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const ms = await firstLoad(url);
      times.push(ms);
      console.log(`load ${run}: ${ms.toFixed(0)} ms`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `first load of /dashboard until the overview's figures show: median ${median.toFixed(0)} ms of ${RUNS} ` +
        `(min ${sorted[0].toFixed(0)}, max ${sorted.at(-1)!.toFixed(0)}), ${JOBS} jobs, ` +
        `${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}, Node ${process.version}`,
    );
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
