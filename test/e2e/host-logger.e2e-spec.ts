import type { LoggerService } from '@nestjs/common';
import { WorkerPoolService } from '../../src/job-queue';
import { upload } from '../support/api-helpers';
import { databaseLabel } from '../support/database';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

/** A host's own logger: keeps every call, as a winston or pino adapter would receive it. */
class CapturingLogger implements LoggerService {
  readonly calls: { level: string; message: unknown; context?: unknown }[] = [];
  log = (message: unknown, context?: unknown) => void this.calls.push({ level: 'log', message, context });
  warn = (message: unknown, context?: unknown) => void this.calls.push({ level: 'warn', message, context });
  error = (message: unknown, context?: unknown) => void this.calls.push({ level: 'error', message, context });
  debug = (message: unknown, context?: unknown) => void this.calls.push({ level: 'debug', message, context });
  verbose = (message: unknown, context?: unknown) => void this.calls.push({ level: 'verbose', message, context });
}

describe(`Job log lines through a host app's own logger (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({}, (started) => ({ service } = started));
  const logger = new CapturingLogger();
  beforeAll(() => service.app.useLogger(logger));

  it('hands the host logger structured fields: jobId, attempt, workerId, format, and the outcome', async () => {
    const response = await upload(service, { name: 'mystery.unknownext', content: 'x' }).expect(201);
    const jobId: string = response.body.job.id;
    const about = () => logger.calls.filter((call) => (call.message as { jobId?: string })?.jobId === jobId);
    await waitFor(() => about().some((call) => call.level === 'warn'));
    const workerId = service.app.get(WorkerPoolService).workerId;
    expect(about().map((call) => [call.level, call.context, (call.message as { msg: string }).msg])).toEqual([
      ['debug', 'JobRunner', 'Job started'],
      ['warn', 'JobRunner', 'Job ended FAILED: UNSUPPORTED_FORMAT: No processor handles format "unknownext"'],
    ]);
    expect(about()[1].message).toMatchObject({
      jobId,
      attempt: 1,
      workerId,
      format: 'unknownext',
      outcome: 'FAILED',
      errorCode: 'UNSUPPORTED_FORMAT',
    });
  });
});

describe(`Jobs in a host app that logs nothing, logger: false (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({}, (started) => ({ service } = started));
  beforeAll(() => service.app.useLogger(false));

  it('runs its jobs to the end all the same (with no logger, the debug-level check has nothing to ask)', async () => {
    const response = await upload(service, { name: 'quiet.txt', content: 'nobody is listening' }).expect(201);
    const status = async () =>
      (
        await service.gql<{ job: { status: string } }>('query($id: ID!) { job(id: $id) { status } }', {
          id: response.body.job.id,
        })
      ).data.job.status;
    expect(await waitFor(async () => ((await status()) === 'COMPLETED' ? 'COMPLETED' : null))).toBe('COMPLETED');
  });
});
