import fc from 'fast-check';

/**
 * Generators of hostile input for the API fuzz suite: random text (lone surrogates included), the strings that
 * once reached the databases (issue 11), dates at and past both databases' range, integers past 32 bits, JSON
 * nested up to 3,000 levels or too large, values of the wrong type.
 */

const NASTY_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'a\ud800b',
  '\udc00\ud800',
  '😀',
  'ü😀.txt',
  '%00',
  '\\u0000',
  "'; DROP TABLE processing_jobs; --",
  'null',
  'undefined',
  '0',
  '-1',
  'NaN',
  '__proto__',
  'constructor',
  '\n\r\t',
  'x'.repeat(300),
  'c'.repeat(25),
  '0000-01-01T00:00:00.000Z',
];

const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

export const text: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: utf16Unit, maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** A value of the wrong type for a string argument. */
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant({}),
  fc.constant([]),
);

export const stringArg = (valid: string[] = []): fc.Arbitrary<unknown> =>
  valid.length > 0
    ? fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...valid) },
        { weight: 5, arbitrary: text },
        { weight: 1, arbitrary: wrongType },
      )
    : fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: wrongType });

export const dateArg: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00.000Z',
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00.000Z',
    '+010000-01-01T00:00:00.000Z',
    '0001-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2024-02-30T00:00:00.000Z',
    '2024-01-01',
    'not a date',
    '',
  ),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc
    .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc.integer(),
  text,
);

export const intArg: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -5, max: 120 }),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, -0.5, '3', null),
  fc.integer(),
  fc.double(),
);

/** {"a":{"a":...}} or [[...]] `depth` levels deep, built without recursion. */
export function nestedJson(depth: number, kind: 'object' | 'array'): unknown {
  let value: unknown = kind === 'object' ? {} : [];
  for (let level = 1; level < depth; level++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

const jsonLeaf = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const retrySetting = fc.constantFrom('initialDelayMs', 'maxDelayMs', 'backoffMultiplier', 'jitterFactor', 'bogus');

/** A job's options: good ones, the queue's own keys out of range, nasty keys and text, deep, large, not an object. */
export const optionsArg: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.dictionary(text, fc.oneof(jsonLeaf, fc.jsonValue({ maxDepth: 3 })), { maxKeys: 5 }),
  fc.record(
    {
      timeoutMs: intArg,
      retry: fc.oneof(fc.dictionary(retrySetting, fc.oneof(fc.integer(), fc.double(), text), { maxKeys: 3 }), jsonLeaf),
    },
    { requiredKeys: [] },
  ),
  fc
    .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('object' as const, 'array' as const))
    .map(([depth, kind]) => ({ deep: nestedJson(depth, kind) })),
  fc.constantFrom(16_000, 17_000, 40_000).map((length) => ({ text: 'x'.repeat(length) })),
  fc.array(jsonLeaf, { maxLength: 3 }),
  jsonLeaf,
);

export const enumArg = (values: string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...values) },
    { weight: 1, arbitrary: fc.oneof(text, fc.constant(null), fc.integer()) },
  );

/** Text for a multipart field: random text, numbers, JSON of the options above, broken JSON, words. */
export const formFieldText: fc.Arbitrary<string> = fc.oneof(
  text,
  intArg.map((value) => String(value)),
  optionsArg.map((value) => JSON.stringify(value) ?? ''),
  fc.constantFrom(
    'true',
    'false',
    'TRUE',
    ' yes',
    'HIGH',
    'low',
    'Normal',
    '{',
    '[]',
    '{"a":1}',
    '{"a":"\\u0000"}',
    '{"a":"\\ud800"}',
    '1e3',
    '007',
  ),
);
