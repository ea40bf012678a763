import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import { authSettings, HS256_SECRET, signToken, startSignInApp } from '../support/sign-in';
import { type TestApp, useTestApp } from '../support/test-app';

const MIN = 60_000;
const HOUR = 60 * MIN;
const OUTCOMES = `query Outcomes($hours: Int, $bucketMinutes: Int) {
  jobOutcomes(hours: $hours, bucketMinutes: $bucketMinutes) { start completed failed } }`;

interface Bucket {
  start: string;
  completed: number;
  failed: number;
}

describe(`jobOutcomes: completions and failures per period (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service } = started));

  it('counts COMPLETED and FAILED jobs in the period they ended, oldest period first, zeros included', async () => {
    const now = Date.now();
    const db = service.prisma.client;
    await insertJob(db, { status: 'COMPLETED', createdAgoMs: 11 * MIN, completedAgoMs: 10 * MIN }, now);
    await insertJob(db, { status: 'COMPLETED', createdAgoMs: 91 * MIN, completedAgoMs: 90 * MIN }, now);
    await insertJob(db, { status: 'FAILED', createdAgoMs: 101 * MIN, completedAgoMs: 100 * MIN }, now);
    await insertJob(db, { status: 'FAILED', createdAgoMs: 5 * HOUR, completedAgoMs: 4 * HOUR }, now); // before the window
    await insertJob(db, { status: 'CANCELLED', createdAgoMs: 21 * MIN, completedAgoMs: 20 * MIN }, now); // not an outcome here
    await insertJob(db, { status: 'PENDING', createdAgoMs: 5 * MIN }, now);

    const { data, errors } = await service.gql<{ jobOutcomes: Bucket[] }>(OUTCOMES, { hours: 3, bucketMinutes: 60 });
    expect(errors).toBeUndefined();
    expect(data.jobOutcomes.map(({ completed, failed }) => ({ completed, failed }))).toEqual([
      { completed: 0, failed: 0 },
      { completed: 1, failed: 1 },
      { completed: 1, failed: 0 },
    ]);
    const starts = data.jobOutcomes.map((bucket) => Date.parse(bucket.start));
    expect(starts[1] - starts[0]).toBe(HOUR);
    expect(starts[2] - starts[1]).toBe(HOUR);
    // The last period ends at the request's own now, a moment after the fixtures' now.
    expect(starts[2] + HOUR).toBeGreaterThanOrEqual(now);
    expect(starts[2] + HOUR).toBeLessThan(now + 10_000);
  });

  it('defaults to 24 periods of an hour', async () => {
    const { data } = await service.gql<{ jobOutcomes: Bucket[] }>(OUTCOMES);
    expect(data.jobOutcomes).toHaveLength(24);
  });

  it.each([
    [{ hours: 0 }, /hours must not be less than 1/],
    [{ hours: 169 }, /hours must not be greater than 168/],
    [{ bucketMinutes: 0 }, /bucketMinutes must not be less than 1/],
    [{ bucketMinutes: 1441 }, /bucketMinutes must not be greater than 1440/],
    [{ hours: 168, bucketMinutes: 1 }, /10080 periods; at most 500/],
  ])('refuses %j with BAD_USER_INPUT naming the bound', async (variables, message) => {
    const { data, errors } = await service.gql(OUTCOMES, variables);
    expect(data).toBeNull();
    expect(errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors?.[0].message).toMatch(message);
  });
});

describe(`jobOutcomes of a signed-in user covers their own jobs (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startSignInApp(database, authSettings({ jwtSecret: HS256_SECRET }));
  });
  afterAll(async () => {
    await service.close();
    await database.drop();
  });

  it('counts only the caller’s jobs; an admin counts everyone’s', async () => {
    const db = service.prisma.client;
    const own = await insertJob(db, { status: 'COMPLETED', completedAgoMs: 5 * MIN });
    await insertJob(db, { status: 'COMPLETED', completedAgoMs: 5 * MIN });
    await insertJob(db, { status: 'FAILED', completedAgoMs: 5 * MIN });
    await service.prisma.driver.records.overwriteJob(own, { userId: 'alice' });

    const key = new TextEncoder().encode(HS256_SECRET);
    const totals = async (claims: Record<string, unknown>) => {
      const token = await signToken(claims, key, 'HS256');
      const response = await service
        .http()
        .post('/graphql')
        .set('authorization', `Bearer ${token}`)
        .send({ query: OUTCOMES, variables: { hours: 1, bucketMinutes: 60 } });
      const [bucket] = (response.body as { data: { jobOutcomes: Bucket[] } }).data.jobOutcomes;
      return { completed: bucket.completed, failed: bucket.failed };
    };
    expect(await totals({ sub: 'alice' })).toEqual({ completed: 1, failed: 0 });
    expect(await totals({ sub: 'bob' })).toEqual({ completed: 0, failed: 0 });
    expect(await totals({ sub: 'root', roles: ['admin'] })).toEqual({ completed: 2, failed: 1 });
  });
});
