import { readFileSync } from 'node:fs';
import { buildSchema, findBreakingChanges, type GraphQLSchema } from 'graphql';
import { describeChange, expectNone } from '../support/contract';
import { buildGeneratedSchema, CONTRACT_FILE, SCHEMA_FILE, schemaFileText } from '../support/generated-schema';

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
      (error as Error).message =
        `src/schema.gql is out of date: run \`npm run schema:write\` and commit it.\n\n${(error as Error).message}`;
      throw error;
    }
  });

  it('breaks nothing of test/contract/schema.graphql', () => {
    expectNone(
      findBreakingChanges(contract, generated),
      `The generated schema breaks the public contract (findBreakingChanges(contract, generated)):`,
      describeChange,
    );
  });

  it('control: a schema without an operation of the contract is reported, naming it', () => {
    const withoutJobStats = buildSchema(contractSdl.replace(/^\s*jobStats: JobStats!\n/m, ''));
    expect(withoutJobStats.getQueryType()?.getFields().jobStats).toBeUndefined();
    const changes = findBreakingChanges(contract, withoutJobStats);
    expect(changes.map(describeChange)).toEqual(['FIELD_REMOVED: Query.jobStats was removed.']);
    expect(() => expectNone(changes, 'Breaking:', describeChange)).toThrow(
      'Breaking:\n  - FIELD_REMOVED: Query.jobStats was removed.',
    );
  });
});
