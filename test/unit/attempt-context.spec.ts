import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { JobRecord } from '../../src/job-queue/common/job-record';
import type { ProgressReporter } from '../../src/job-queue/processor-contract/progress-reporter';
import { AttemptAbort, JobAbort } from '../../src/job-queue/workers/attempt-abort';
import { AttemptContext } from '../../src/job-queue/workers/attempt-context';
import { countAbortControllers } from '../support/counted-abort-controllers';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('AttemptContext (what a processor is handed)', () => {
  let dir: string;
  let filePath: string;
  const job = { id: 'job-1' } as JobRecord;
  const progress = {} as ProgressReporter;
  let controllers: ReturnType<typeof countAbortControllers>;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'attempt-context-'));
    filePath = path.join(dir, 'file.txt');
    writeFileSync(filePath, '0123456789');
    controllers = countAbortControllers();
  });
  afterEach(() => {
    controllers.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes the signal only when read, and a spread copy (as withStandardStages makes) carries the same one', () => {
    const abort = new AttemptAbort();
    const context = new AttemptContext(job, filePath, progress, abort);
    const { job: copiedJob, openStream } = context;
    expect([copiedJob, typeof openStream]).toEqual([job, 'function']);
    expect(controllers.made()).toBe(0);
    const copy = { ...context };
    expect(Object.keys(copy).sort()).toEqual(['filePath', 'job', 'openStream', 'progress', 'signal']);
    expect(copy.signal).toBe(abort.signal); // control: an accessor on the prototype would leave the copy without it
    expect(controllers.made()).toBe(1);
  });

  it('opens the file, or a range of it, as a stream that the attempt’s abort ends', async () => {
    const abort = new AttemptAbort();
    const { openStream } = new AttemptContext(job, filePath, progress, abort);
    expect(await readAll(openStream())).toBe('0123456789');
    expect(await readAll(openStream({ start: 2, end: 4 }))).toBe('234');
    const stream = openStream();
    abort.abort(new JobAbort('cancelled', 'Cancelled while running'));
    await expect(readAll(stream)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
