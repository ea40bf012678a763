import { Logger } from '@nestjs/common';
import { Lease } from '../../src/job-queue/workers/lease';
import { type BatchedOutcome, OutcomeBatcher } from '../../src/job-queue/workers/outcome-batcher';

describe('OutcomeBatcher', () => {
  it('tells its callers of a committed batch even when reporting the batch throws, and logs why', async () => {
    const logger = new Logger('test');
    const errors: string[] = [];
    jest.spyOn(logger, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
    const batcher = new OutcomeBatcher<BatchedOutcome, string>(
      {
        noun: 'completion',
        commit: async (_workerId, items) => new Map(items.map((item) => [item.jobId, `done ${item.jobId}`])),
        committed: () => {
          throw new Error('a report that fails');
        },
      },
      logger,
    );
    const lease = Lease.from(Date.now(), 60_000);
    const results = await Promise.all(['a', 'b'].map((jobId) => batcher.submit({ jobId, workerId: 'w', lease })));
    expect(results).toEqual(['done a', 'done b']);
    expect(errors).toEqual(['reporting 2 committed completion(s) failed: a report that fails']);
  });
});
