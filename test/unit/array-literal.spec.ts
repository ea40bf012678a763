import { Client } from 'pg';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- node-postgres's own writer, untyped
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): unknown };
import { arrayColumn, arrayLiteral } from '../../src/job-queue/database/postgres/array-literal';
import { describePostgres, POSTGRES_URL } from '../support/database';

/** Elements of every kind the queue's statements send: ids, JSON, text with quotes and backslashes, numbers, null. */
const TEXTS = [
  'cmj2k3l4m0000abcd1234efgh',
  '',
  'NULL',
  'null',
  '{"lines":42,"name":"a \\"quoted\\" word"}',
  'back\\slash',
  'a "quote"',
  '\\"',
  'comma, and {braces}',
  'space at the end ',
  'new\nline\ttab',
  'ünïcödé 😀',
  '2026-12-06T14:00:00.123Z',
];
const NUMBERS = [0, 1, -3, 2147483647, 1.5];
/** A writer that quotes without escaping: what the comparison must catch. */
const unescaped = (values: readonly (string | null)[]) =>
  `{${values.map((value) => (value === null ? 'NULL' : `"${value}"`)).join(',')}}`;

describe('arrayLiteral (the queue sends its per-job columns as one array text each)', () => {
  it.each([
    ['text', [...TEXTS, null]],
    ['numbers', [...NUMBERS, null]],
    ['booleans', [true, false, null]],
    ['bigints', [0n, 9007199254740993n, -1n, null]],
    ['mixed', [null, 'x', 7, true, 5n, null]],
    ['empty', []],
  ])('writes %s as node-postgres writes the same array', (_kind, values) => {
    expect(arrayLiteral(values)).toBe(prepareValue(values));
  });

  it('would catch a writer that does not escape (control: the texts need escaping)', () => {
    expect(unescaped([...TEXTS, null])).not.toBe(prepareValue([...TEXTS, null]));
  });

  it('arrayColumn writes one value of each row', () => {
    const rows = [
      { id: 'a', n: 1 },
      { id: 'b"', n: 2 },
    ];
    expect(arrayColumn(rows, (row) => row.id)).toBe('{"a","b\\""}');
    expect(arrayColumn(rows, (row) => row.n)).toBe(prepareValue([1, 2]));
  });
});

describePostgres('arrayLiteral read back by PostgreSQL', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ connectionString: POSTGRES_URL! });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
  });

  it('gives every element back as sent, for the casts the statements use', async () => {
    const json = ['{"a":"b \\"c\\""}', '[1,2]', null];
    const { rows } = await client.query<Record<string, unknown[]>>(
      'SELECT $1::text[] AS texts, $2::int[] AS ints, $3::jsonb[] AS json, $4::boolean[] AS flags, $5::bigint[] AS big',
      [
        arrayLiteral([...TEXTS, null]),
        arrayLiteral([0, 1, -3, 2147483647, null]),
        arrayLiteral(json),
        arrayLiteral([true, false, null]),
        arrayLiteral([9007199254740993n, null]),
      ],
    );
    expect(rows[0]).toEqual({
      texts: [...TEXTS, null],
      ints: [0, 1, -3, 2147483647, null],
      json: [{ a: 'b "c"' }, [1, 2], null],
      flags: [true, false, null],
      big: ['9007199254740993', null],
    });
  });
});
