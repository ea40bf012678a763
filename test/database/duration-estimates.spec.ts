import { JobStatus } from '../../src/job-queue';
import { DurationEstimates } from '../../src/job-queue/jobs/duration-estimates';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/** DurationEstimates reads the averages again once they are this old. */
const REFRESH_MS = 1_000;

/**
 * Every enqueue asks for the formats' average durations. The first call reads them; after that an enqueue never
 * waits for a read: averages a second old are returned while the next read runs behind. Against the real database,
 * counting its reads (the spy calls through). Before, the first enqueue after each second waited for the read: the
 * stale call below resolved with the new averages, after the read.
 */
describe(`Duration estimates, read again behind the enqueues (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let estimates: DurationEstimates;
  let reads: jest.SpyInstance;
  /** The estimates' reads of the averages, as the spy's results. */
  const averageReads = () => reads.mock.results;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    estimates = service.app.get(DurationEstimates);
    reads = jest.spyOn(service.prisma.driver.records, 'recentDurationAverages');
  });
  afterAll(async () => {
    reads?.mockRestore();
    await service?.close();
    await database?.drop();
  });

  it('waits for the first read only; a second later it answers at once and reads anew for the next calls', async () => {
    const first = await estimates.current();
    // After the read, not before: its averages are stamped when it starts, so this bounds their age from below (taken
    // before the call, once under load the wait below ended while the averages were still a few ms short of stale).
    const readAt = Date.now();
    expect([...first]).toEqual([]);
    expect(await estimates.current()).toBe(first);
    expect(averageReads()).toHaveLength(1);

    await insertJob(service.prisma.client, { status: JobStatus.COMPLETED, startedAgoMs: 1_500, completedAgoMs: 300 });
    await waitFor(() => Date.now() - readAt > REFRESH_MS, 2 * REFRESH_MS, 5);
    let readDone = false;
    const stale = await estimates.current();
    expect(averageReads()).toHaveLength(2);
    const read = (averageReads()[1].value as Promise<unknown>).then(() => (readDone = true));
    expect(stale).toBe(first);
    expect(readDone).toBe(false);

    await read;
    expect([...(await estimates.current())]).toEqual([['txt', 1_200]]);
    expect(averageReads()).toHaveLength(2);
  });
});
