import { types } from 'pg';
import { parseTimestamptz } from '../../src/job-queue/database/postgres/timestamptz';

/** node-postgres's own timestamptz parser: the reference the queue pool's faster one must agree with. */
const reference = types.getTypeParser(1184, 'text') as (text: string) => Date | number;

const asTime = (value: Date | number) => (value instanceof Date ? value.getTime() : value);

describe('parseTimestamptz (the queue pool reads timestamptz with it)', () => {
  // Shapes PostgreSQL writes with DateStyle ISO: fraction of 0-6 digits, offsets of hours or hours and minutes
  // (the session's TimeZone decides which), either sign; and values the fast path must hand to the reference.
  const texts = [
    '2026-12-02 03:47:30+00',
    '2026-12-02 03:47:30.1+00',
    '2026-12-02 03:47:30.12+00',
    '2026-12-02 03:47:30.123+00',
    '2026-12-02 03:47:30.123456+00',
    '2026-12-02 03:47:30.999999+00',
    '2026-12-02 09:17:30.123+05:30',
    '2026-12-01 19:47:30.5-08',
    '2026-12-02 00:17:30.007-03:30',
    '2024-02-29 23:59:59.999+14',
    '1970-01-01 00:00:00+00',
    '1969-12-31 23:59:59.999+00',
    '0100-03-01 12:00:00+00',
    '9999-12-31 23:59:59.999+00',
    '0050-06-15 12:00:00+00', // before year 100: Date.UTC would read 1950
    '2026-12-02 03:47:30.123+00 BC',
    '12026-12-02 03:47:30+00',
    'infinity',
    '-infinity',
  ];

  it.each(texts)('reads %s as node-postgres does', (text) => {
    expect(asTime(parseTimestamptz(text))).toBe(asTime(reference(text)));
  });

  it('reads the common shape by position: the same instant as the ISO form', () => {
    expect((parseTimestamptz('2026-12-02 09:17:30.123+05:30') as Date).toISOString()).toBe('2026-12-02T03:47:30.123Z');
    // Control: a different minute of offset is a different instant, so the comparison above can fail.
    expect((parseTimestamptz('2026-12-02 09:17:30.123+05:31') as Date).toISOString()).toBe('2026-12-02T03:46:30.123Z');
  });

  it('reads a text seen lately as before, into a Date of its own, among more distinct texts than it keeps', () => {
    const cycle = texts.slice(0, 9); // more than the few it keeps, twice over: every kept text is replaced meanwhile
    for (let round = 0; round < 3; round++) {
      for (const text of [...cycle, ...cycle.slice(0, 3)])
        expect(asTime(parseTimestamptz(text))).toBe(asTime(reference(text)));
    }
    const first = parseTimestamptz(texts[3]) as Date;
    const again = parseTimestamptz(texts[3]) as Date;
    expect(again).not.toBe(first); // a caller may change its Date without changing another's
    first.setTime(0);
    expect(asTime(parseTimestamptz(texts[3]))).toBe(asTime(reference(texts[3])));
  });
});
