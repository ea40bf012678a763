import { resolveJobQueueOptions } from '../../src/job-queue/job-queue.options';
import { jobQueueOptionsSchema } from '../../src/job-queue/job-queue-options.schema';
import { checkAgainst, shownValue } from '../../src/job-queue/option-problems';
import {
  booleanOption,
  numberOption,
  objectOption,
  type OptionIssue,
  partialOf,
  stringOption,
} from '../../src/job-queue/option-schema';

/** The problem lines `resolveJobQueueOptions` refuses `options` with; [] when it takes them. */
function problemsOf(options: unknown): string[] {
  return checkAgainst(jobQueueOptionsSchema, options, {
    name: (path) => path.join('.'),
    shown: (path) => shownValue(options, path),
  }).problems;
}

describe('option schemas: the values the queue takes, and the words for those it refuses', () => {
  it('takes only finite numbers within the limits, and whole ones where it says so', () => {
    const whole = numberOption(10, 20, true);
    const issues: OptionIssue[] = [];
    for (const value of [10, 15, 20]) expect(whole.parse(value, [], issues)).toBe(value);
    expect(issues).toEqual([]);
    for (const value of [9, 21, 10.5, NaN, Infinity, '15', null, true]) {
      const refused: OptionIssue[] = [];
      whole.parse(value, ['n'], refused);
      expect([value, refused.length]).toEqual([value, 1]);
    }
    expect(numberOption(0, 1, false).parse(0.25)).toBe(0.25);
  });

  it('fills defaults only for a missing value: null is a value, and refused where null is not allowed', () => {
    expect(problemsOf({ pollIntervalMs: null })).toEqual([
      'pollIntervalMs must be a whole number of at least 10, got null',
    ]);
    expect(resolveJobQueueOptions({ jobTimeoutMs: null }).jobTimeoutMs).toBeNull();
    expect(resolveJobQueueOptions({}).jobTimeoutMs).toBeNull();
    expect(resolveJobQueueOptions({ jobTimeoutMs: 5 }).jobTimeoutMs).toBe(5);
    expect(problemsOf({ jobTimeoutMs: 0 })).toEqual(['jobTimeoutMs must be a whole number from 1 to 86400000, got 0']);
  });

  it('words the problems of nested objects by their path, in the order of the schema, unknown keys last', () => {
    expect(
      problemsOf({ zz: 1, healthThresholds: { successRateDegraded: 2, typo: 1 }, retry: [], storageDir: '' }),
    ).toEqual([
      'storageDir must be a non-empty string, got ""',
      'retry must be an object, got []',
      'healthThresholds.successRateDegraded must be a number from 0 to 1, got 2',
      expect.stringMatching(/^healthThresholds\.typo is not an option here \(known: successRateDegraded, .*\)$/),
      expect.stringMatching(/^zz is not an option here \(known: databaseUrl, .*\)$/),
    ]);
    // One line for one value, however many of its limits it breaks.
    expect(problemsOf({ maxUploadBytes: 2 ** 60 })).toEqual([
      'maxUploadBytes must be a whole number of at least 1, got 1152921504606847000',
    ]);
  });

  it("says what a pattern or a custom check wants in that check's own words", () => {
    expect(problemsOf({ databaseUrl: 'mysql://db', analyzer: 'x' })).toEqual([
      'databaseUrl must start with postgresql://, postgres:// or file:, got "mysql://db"',
      'analyzer must be null or an object with an analyze(input) method, got "x"',
    ]);
    expect(problemsOf({ databaseUrl: 5 })).toEqual(['databaseUrl must be a non-empty string, got 5']);
    expect(problemsOf({ analyzer: null, resolveCaller: () => null, databaseUrl: 'file:./q.db' })).toEqual([]);
  });

  it('gives back a partial object with the defaults of the keys it leaves out, and nothing it was not given', () => {
    const schema = objectOption({
      on: booleanOption().default(true),
      name: stringOption().optional(),
      inner: objectOption({ size: numberOption(1, 9, true).default(3) }).default({}),
    });
    expect(schema.parse({})).toEqual({ on: true, inner: { size: 3 } });
    expect(schema.parse({ on: false, name: 'n', inner: { size: 9 } })).toEqual({
      on: false,
      name: 'n',
      inner: { size: 9 },
    });
    expect(Object.keys(schema.parse({}))).toEqual(['on', 'inner']);
  });

  it('checks a partial of an object without filling its defaults', () => {
    const partial = partialOf(
      objectOption({ a: numberOption(0, 5, true).default(1), b: booleanOption().default(false) }),
    );
    expect(partial.parse({})).toEqual({});
    expect(partial.parse({ b: true })).toEqual({ b: true });
    const issues: OptionIssue[] = [];
    partial.parse({ a: 6, c: 1 }, ['x'], issues);
    expect(issues.map((issue) => [issue.kind, issue.path])).toEqual([
      ['invalid', ['x', 'a']],
      ['unknown-keys', ['x']],
    ]);
  });
});
