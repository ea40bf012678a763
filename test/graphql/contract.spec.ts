import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLSchema } from 'graphql';
import { checkContract, describeChange, expectNone, type PendingName } from '../support/contract';
import { buildGeneratedSchema, CONTRACT_FILE, SCHEMA_FILE, schemaFileText } from '../support/generated-schema';

/**
 * Operations of test/contract/schema.graphql owned by later issues, and the types only they need
 * (`Query.x` / `Mutation.x` / `Subscription.x` for an operation, a bare name for a type). Breaking changes
 * that mention them are excused until they are implemented; then this test fails until they leave the list.
 *
 * Emptied as they were delivered: Query.jobStats, Query.queueHealth, Query.stalledJobs,
 * Mutation.recoverStalledJobs, Mutation.cleanupJobs, Subscription.jobProgress, Subscription.jobUpdated,
 * Subscription.queueHealthChanged and their types (JobStats, StatusCount, FormatCount, PriorityCount,
 * ErrorStat, Throughput, QueueHealth, HealthStatus, ProgressUpdate).
 */
const PENDING_OPERATIONS: readonly PendingName[] = [];

const contractSdl = readFileSync(CONTRACT_FILE, 'utf8');

describe('GraphQL schema contract', () => {
  let generated: GraphQLSchema;
  let contract: GraphQLSchema;

  beforeAll(async () => {
    generated = await buildGeneratedSchema();
    contract = buildSchema(contractSdl);
  });

  it('src/schema.gql is what the code generates', () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    try {
      expect(committed).toBe(schemaFileText(generated));
    } catch (error) {
      (error as Error).message = `src/schema.gql is out of date: run \`npm run schema:write\` and commit it.\n\n${(error as Error).message}`;
      throw error;
    }
  });

  it('breaks nothing of test/contract/schema.graphql outside the pending list', () => {
    const { unexcused } = checkContract(contract, generated, PENDING_OPERATIONS);
    expectNone(
      unexcused,
      `The generated schema breaks the public contract (findBreakingChanges(contract, generated)):`,
      describeChange,
    );
  });

  it('lists as pending only names the contract has and the code does not implement yet', () => {
    const { alreadyImplemented, notInContract } = checkContract(contract, generated, PENDING_OPERATIONS);
    expectNone(alreadyImplemented, 'Implemented now: remove them from PENDING_OPERATIONS in test/graphql/contract.spec.ts:');
    expectNone(notInContract, 'Not in test/contract/schema.graphql, so they excuse nothing: fix or remove them:');
  });

  describe('the pending list itself', () => {
    const withoutJobStats = buildSchema(contractSdl.replace(/^\s*jobStats: JobStats!\n/m, ''));

    it('excuses a missing operation only while it is listed', () => {
      expect(withoutJobStats.getQueryType()?.getFields().jobStats).toBeUndefined();
      const listed = checkContract(contract, withoutJobStats, ['Query.jobStats', 'JobStats']);
      expect(listed.excused.map(describeChange)).toEqual(['FIELD_REMOVED: Query.jobStats was removed.']);
      expect(listed.unexcused).toEqual([]);
      expect(checkContract(contract, withoutJobStats, ['Query.job', 'Stats']).unexcused.map(describeChange)).toEqual([
        'FIELD_REMOVED: Query.jobStats was removed.',
      ]);
    });

    it('reports listed names that are implemented or unknown', () => {
      const check = checkContract(contract, withoutJobStats, ['Query.jobStats', 'Query.job', 'JobStats', 'Query.nope', 'Nope']);
      expect(check.alreadyImplemented).toEqual(['Query.job', 'JobStats']);
      expect(check.notInContract).toEqual(['Query.nope', 'Nope']);
    });

    it('names every unexcused change in the failure message', () => {
      const { unexcused } = checkContract(contract, withoutJobStats, []);
      expect(() => expectNone(unexcused, 'Breaking:', describeChange)).toThrow('Breaking:\n  - FIELD_REMOVED: Query.jobStats was removed.');
    });
  });
});
