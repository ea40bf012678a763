import 'reflect-metadata';
import fc from 'fast-check';
import {
  CANCEL_JOB,
  ENQUEUE_JOB,
  ENQUEUE_JOBS,
  gqlData,
  JOB,
  JOBS,
  RETRY_JOB,
  upload,
  uploadFileId,
} from '../support/api-helpers';
import { databaseLabel } from '../support/database';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { dateArg, enumArg, formFieldText, intArg, optionsArg, stringArg } from '../support/fuzz-arbitraries';
import { type TestApp, useTestApp } from '../support/test-app';

/** FUZZ_SEED reproduces a run (the seed is printed); FUZZ_RUNS makes it longer. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1200);
const SUBSCRIPTION_RUNS = Math.ceil(RUNS / 8);

const CLEANUP_JOBS = 'mutation($olderThanHours: Int) { cleanupJobs(olderThanHours: $olderThanHours) }';
const STATUSES = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED', 'RETRYING'];
const PRIORITIES = ['LOW', 'NORMAL', 'HIGH'];
const UPLOAD_FIELDS = ['priority', 'maxRetries', 'options', 'enqueue'];

/** One generated request: a GraphQL operation with its variables, or a POST /files with its form fields. */
type FuzzRequest =
  | { kind: 'graphql'; operation: string; query: string; variables: Record<string, unknown>; names: string[] }
  | { kind: 'upload'; fields: Record<string, string> };

function operation(
  name: string,
  query: string,
  variables: fc.Arbitrary<Record<string, unknown>>,
  names: string[],
): fc.Arbitrary<FuzzRequest> {
  return variables.map((generated) => ({
    kind: 'graphql' as const,
    operation: name,
    query,
    variables: generated,
    names,
  }));
}

function requests(fileIds: string[], jobIds: string[], cursors: string[]): fc.Arbitrary<FuzzRequest> {
  const input = fc.record(
    {
      fileId: stringArg(fileIds),
      priority: enumArg(PRIORITIES),
      maxRetries: intArg,
      options: optionsArg,
      runAt: dateArg,
      idempotencyKey: stringArg(),
    },
    { requiredKeys: ['fileId'] },
  );
  const filter = fc.record(
    {
      status: fc.array(enumArg(STATUSES), { maxLength: 3 }),
      format: fc.array(stringArg(['txt', 'md', 'json']), { maxLength: 3 }),
      priority: fc.array(enumArg(PRIORITIES), { maxLength: 2 }),
      userId: stringArg(),
      createdAfter: dateArg,
      createdBefore: dateArg,
    },
    { requiredKeys: [] },
  );
  const id = fc.record({ id: stringArg(jobIds) });
  const inputNames = ['input', 'inputs', 'fileId', 'priority', 'maxRetries', 'options', 'runAt', 'idempotencyKey'];
  return fc.oneof(
    operation('job', JOB, id, ['id']),
    operation('cancelJob', CANCEL_JOB, id, ['id']),
    operation('retryJob', RETRY_JOB, id, ['id']),
    operation(
      'jobs',
      JOBS,
      fc.record(
        { filter, first: intArg, after: fc.oneof(stringArg(cursors), fc.constant(undefined)) },
        { requiredKeys: [] },
      ),
      ['filter', 'first', 'after', 'status', 'format', 'priority', 'userId', 'createdAfter', 'createdBefore'],
    ),
    { weight: 3, arbitrary: operation('enqueueJob', ENQUEUE_JOB, fc.record({ input }), inputNames) },
    operation('enqueueJobs', ENQUEUE_JOBS, fc.record({ inputs: fc.array(input, { maxLength: 3 }) }), inputNames),
    operation('cleanupJobs', CLEANUP_JOBS, fc.record({ olderThanHours: intArg }, { requiredKeys: [] }), [
      'olderThanHours',
    ]),
    {
      weight: 2,
      arbitrary: fc
        .dictionary(fc.constantFrom(...UPLOAD_FIELDS), formFieldText, { maxKeys: 4 })
        .map((fields) => ({ kind: 'upload' as const, fields })),
    },
  );
}

/** Whether `message` names one of `names` as a word ("id", not the "id" inside "invalid"). */
function namesOneOf(message: string, names: string[]): boolean {
  return names.some((name) => new RegExp(`(^|[^A-Za-z])${name}([^A-Za-z]|$)`).test(message));
}

/** Codes a request may end with besides success; a rejection of input must name its field. */
const INPUT_REJECTIONS = ['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED'];
const OTHER_ANSWERS = ['NOT_FOUND', 'CONFLICT'];

describe(`fuzzed GraphQL arguments and upload fields (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service } = started));

  it(`${RUNS} generated requests: no 5xx, no INTERNAL_SERVER_ERROR, every rejection names its field`, async () => {
    const fileIds = [await uploadFileId(service, 'a.txt', 'alpha'), await uploadFileId(service, 'b.md', '# b')];
    const job = (await gqlData(service, ENQUEUE_JOB, { input: { fileId: fileIds[0] } })).enqueueJob;
    const cursor = (await gqlData(service, JOBS, { first: 1 })).jobs.pageInfo.endCursor;
    console.log(`fuzz seed ${SEED}, ${RUNS} runs (${databaseLabel}): FUZZ_SEED=${SEED} reproduces this run`);

    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    await fc.assert(
      fc.asyncProperty(requests(fileIds, [job.id], [cursor]), async (request) => {
        if (request.kind === 'upload') {
          const response = await upload(service, { fields: request.fields });
          count(`upload ${response.status}`);
          expect(response.status).toBeLessThan(500);
          if (response.status !== 201) {
            expect(response.body.code).toBe('BAD_USER_INPUT');
            expect({
              message: response.body.message,
              named: namesOneOf(response.body.message, Object.keys(request.fields)),
            }).toEqual({
              message: response.body.message,
              named: true,
            });
          }
          return;
        }
        const response = await service
          .http()
          .post('/graphql')
          .send({ query: request.query, variables: request.variables });
        expect(response.status).toBeLessThan(500);
        const errors: { message: string; extensions?: { code?: string } }[] = response.body.errors ?? [];
        count(`${request.operation} ${errors.length === 0 ? 'ok' : errors[0].extensions?.code}`);
        for (const error of errors) {
          const code = error.extensions?.code ?? 'none';
          expect([...INPUT_REJECTIONS, ...OTHER_ANSWERS]).toContain(code);
          if (INPUT_REJECTIONS.includes(code)) {
            expect({ message: error.message, named: namesOneOf(error.message, request.names) }).toEqual({
              message: error.message,
              named: true,
            });
          }
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );

    // Controls: the generators reach both sides of every check, so the run proves something.
    const seen = [...outcomes.keys()];
    console.log(`fuzz outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
    for (const expected of [
      'enqueueJob ok',
      'enqueueJob BAD_USER_INPUT',
      'jobs ok',
      'jobs BAD_USER_INPUT',
      'job NOT_FOUND',
      'upload 201',
      'upload 400',
    ]) {
      expect(seen).toContain(expected);
    }
  });

  it(`${SUBSCRIPTION_RUNS} generated jobProgress(jobId) subscriptions over graphql-ws: the first update, or an error naming jobId`, async () => {
    const fileId = await uploadFileId(service, 'c.txt', 'gamma');
    const job = (await gqlData(service, ENQUEUE_JOB, { input: { fileId } })).enqueueJob;
    const client = service.wsClient();
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.record({ jobId: stringArg([job.id]) }), async (variables) => {
        const run = subscribe(client, PROGRESS_SUBSCRIPTION, variables, 'jobProgress');
        // A pending job's subscription starts with its current state, so every run ends with an update or an error.
        const outcome = await Promise.race([
          run.firstUpdate.then(() => ({ update: true as const })),
          run.finished.then(
            () => ({ completed: true as const }),
            (error: { errors?: { message: string; extensions?: { code?: string } }[]; code?: number }) => ({ error }),
          ),
        ]);
        run.cancel();
        if (!('error' in outcome)) {
          outcomes.set('update', (outcomes.get('update') ?? 0) + 1);
          return;
        }
        // An array of GraphQL errors, never a socket closed by the server (4500 is graphql-ws's internal error).
        expect({ closeCode: outcome.error.code }).toEqual({ closeCode: undefined });
        const [first] = outcome.error.errors ?? [];
        // graphql-ws reports variable coercion errors without a code; the resolver's errors carry one.
        const code = first.extensions?.code ?? 'none';
        outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        expect(['BAD_USER_INPUT', 'NOT_FOUND', 'none']).toContain(code);
        if (code !== 'NOT_FOUND')
          expect({ message: first.message, named: namesOneOf(first.message, ['jobId']) }).toEqual({
            message: first.message,
            named: true,
          });
      }),
      { seed: SEED, numRuns: SUBSCRIPTION_RUNS, endOnFailure: true },
    );
    console.log(`jobProgress fuzz outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    expect([...outcomes.keys()].sort()).toEqual(['BAD_USER_INPUT', 'NOT_FOUND', 'none', 'update']);
  });
});
