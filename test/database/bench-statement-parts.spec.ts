/**
 * The parts of the product's claim and completion that `npm run bench:designs` prices (bench/lib/statement-parts.ts)
 * are the product's statements with a piece cut out. Run here on the migrated schema, each must do what its name
 * says and no more, or the bench would price the wrong thing; and a statement that changed shape must stop the bench
 * rather than be measured whole.
 */
import { Client, Pool } from 'pg';
import { completionValues, type Design, designs, FRESH_TABLES, SKETCH_TABLES } from '../../bench/lib/design-sketches';
import { BARE_CLAIM, cut, statementParts } from '../../bench/lib/statement-parts';
import { migratePostgres } from '../../src/job-queue/database/migrator';
import { QUEUE_CONNECTION_OPTIONS } from '../../src/job-queue/database/postgres/postgres-connection';
import { CLAIM_SQL } from '../../src/job-queue/database/postgres-queue-statements';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';

const JOBS = 4;
/** Every job of the queue in `status`, as the states and the tallies are read back. */
const all = (status: string) => `${status} ${JOBS}`;

describePostgres('The parts of the claim and the completion that bench:designs prices', () => {
  let database: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    const pool = new Pool({ connectionString: database.url, max: 1 });
    await migratePostgres(pool).finally(() => pool.end());
    client = new Client({ connectionString: database.url, options: QUEUE_CONNECTION_OPTIONS });
    await client.connect();
    await client.query(SKETCH_TABLES); // as bench:designs sets the database up, so that FRESH_TABLES empties it
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  /** As bench:designs runs a design, on a queue of JOBS jobs: one claim, then its completion; what they left. */
  async function claimAndComplete(design: Design) {
    await client.query(FRESH_TABLES);
    for (const statement of design.enqueue) await client.query(statement);
    const claimed = await client.query<{ id: string }>(design.claim, ['worker', JOBS, 30_000]);
    const ids = claimed.rows.map((row) => row.id);
    await client.query(design.complete, completionValues(design, 'worker', ids));
    const states = await client.query<{ status: string; jobs: number }>(
      'SELECT status, count(*)::int AS jobs FROM job_states GROUP BY status ORDER BY status',
    );
    const tallies = await client.query<{ status: string; jobs: number }>(
      'SELECT status, sum(count)::int AS jobs FROM job_counts GROUP BY status HAVING sum(count) <> 0 ORDER BY status',
    );
    const records = await client.query<{ jobs: number }>('SELECT count(*)::int AS jobs FROM job_records');
    return {
      claimedColumns: claimed.fields.length,
      states: states.rows.map((row) => `${row.status} ${row.jobs}`),
      tallies: tallies.rows.map((row) => `${row.status} ${row.jobs}`),
      records: records.rows[0].jobs,
    };
  }

  it('the product itself (the control): a claimed record of every column, each job COMPLETED and tallied so', async () => {
    const current = designs(JOBS).find((design) => design.name === 'current')!;
    expect(await claimAndComplete(current)).toEqual({
      claimedColumns: 30,
      states: [all('COMPLETED')],
      tallies: [all('COMPLETED')],
      records: JOBS,
    });
  });

  /** Each part: the columns its claim sends back, the states and the tallies it leaves (the insert tallied PENDING). */
  it.each([
    [
      'claim alone',
      'claims as the product does; its completion writes nothing',
      30,
      [all('PROCESSING')],
      [all('PROCESSING')],
    ],
    [
      'bare claim alone',
      'moves the states alone: no tallies, no record read',
      1,
      [all('PROCESSING')],
      [all('PENDING')],
    ],
    [
      'bare claim, deleted',
      "deletes the states, keeps the records (the schema's delete trigger tallies the delete)",
      1,
      [],
      [all('PENDING'), `PROCESSING -${JOBS}`],
    ],
    [
      'bare claim, completed untallied',
      'completes as the product does, tallies left out',
      1,
      [all('COMPLETED')],
      [all('PENDING')],
    ],
  ])('"%s" %s', async (name, _what, claimedColumns, states, tallies) => {
    const part = statementParts(JOBS).find((each) => each.name === name)!;
    expect(await claimAndComplete(part)).toEqual({
      claimedColumns,
      states,
      tallies,
      records: JOBS,
    });
  });

  it('puts its replacement in as written, and stops the bench naming the piece when the statement lacks it', () => {
    expect(BARE_CLAIM).not.toMatch(/job_counts|job_records/);
    expect(cut('SELECT $1 FROM x', /x/, 'y WHERE $& = $1', 'x')).toBe('SELECT $1 FROM y WHERE $& = $1'); // `$` as written
    expect(() => cut(CLAIM_SQL, /no such piece/, '', 'the lease')).toThrow(
      "statement parts: the lease is not in the product's statement any more",
    );
  });
});
