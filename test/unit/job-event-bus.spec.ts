import { Logger } from '@nestjs/common';
import { JobEventBus } from '../../src/job-queue/events/job-event-bus';
import { JobTopics } from '../../src/job-queue/events/job-events';
import { InMemoryEventBus } from '../../src/job-queue/events/in-memory-event-bus';

/** Resolves after the microtasks queued so far (a listener's rejection is caught on one). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('JobEventBus: the typed facade over the event bus', () => {
  const raw = new InMemoryEventBus();
  const events = new JobEventBus(raw);
  const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  afterEach(() => logged.mockClear());
  afterAll(() => logged.mockRestore());

  it('hands each listener the payload; a listener that throws or rejects is logged, the others still run', async () => {
    const seen: string[][] = [];
    const stops = await Promise.all([
      events.subscribe(JobTopics.cancelRequested, () => {
        throw new Error('sync failure');
      }),
      events.subscribe(JobTopics.cancelRequested, () => Promise.reject(new Error('async failure'))),
      events.subscribe(JobTopics.cancelRequested, ({ jobId }) => void seen.push([jobId])),
    ]);
    await events.publish(JobTopics.cancelRequested, { jobId: 'job-1' });
    await settle();
    expect(seen).toEqual([['job-1']]);
    expect(logged.mock.calls.map(([message]) => String(message).split('\n')[0])).toEqual([
      'a job.cancel-requested listener failed: Error: sync failure',
      'a job.cancel-requested listener failed: Error: async failure',
    ]);
    for (const stop of stops) stop();
    await events.publish(JobTopics.cancelRequested, { jobId: 'job-2' });
    expect(seen).toEqual([['job-1']]);
  });

  it('drops a payload that is not of its topic’s shape (anyone may NOTIFY on the channel)', async () => {
    const changes: string[] = [];
    const stop = await events.subscribe(
      JobTopics.jobChanged,
      (message) => void changes.push(...message.changes.map((change) => change.jobId)),
    );
    await raw.publish(JobTopics.jobChanged, { changes: 'not a list' });
    await raw.publish(JobTopics.jobChanged, null);
    await raw.publish(JobTopics.jobChanged, { changes: [{ jobId: 'a', status: 'COMPLETED' }, { jobId: 7 }] });
    stop();
    expect(changes).toEqual(['a']);
    expect(logged).not.toHaveBeenCalled();
  });
});
