import { queryNesting } from '../../src/graphql-nesting.middleware';

describe('queryNesting (src/graphql-nesting.middleware.ts)', () => {
  it.each([
    ['{ jobs { totalCount } }', 2],
    ['query($id: ID!) { job(id: $id) { id } }', 2],
    ['mutation { enqueueJob(input: { fileId: "f", options: { a: [1, { b: 2 }] } }) { id } }', 6],
    ['{ job(id: "{{{{[[[[((((") { id } }', 2],
    ['{ job(id: "\\"{{{{") { id } }', 2],
    ['{ job(id: """ {{{{ "" {{{{ """) { id } }', 2],
    ['# {{{{{{{{\n{ jobs { totalCount } }', 2],
    [`{ jobs(filter: { format: ${'['.repeat(3000)}"x"${']'.repeat(3000)} }) { totalCount } }`, 3003],
  ])('%s: %i', (query, expected) => {
    expect(queryNesting(query)).toBe(expected);
  });
});
