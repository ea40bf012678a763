import { types } from 'pg';

/** PostgreSQL's type oid of timestamptz. */
const TIMESTAMPTZ = 1184;
const parseTimestamptzSlowly = types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date | number;

const DASH = 45;
const SPACE = 32;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const MINUS = 45;
const isDigit = (code: number) => code >= 48 && code <= 57;

function digitsAt(text: string, from: number, length: number): number {
  let value = 0;
  for (let index = from; index < from + length; index++) value = value * 10 + text.charCodeAt(index) - 48;
  return value;
}

/**
 * timestamptz text as PostgreSQL writes it with DateStyle ISO, `2026-12-02 03:47:30.123+00` (fraction and the
 * offset's minutes optional), read by position; anything else (BC years, years before 100 or past 9999, infinity)
 * goes to node-postgres's own parser. That parser runs a regular expression and builds the date in local time:
 * 470-750 ns a date against 120-170 ns here, and a claim of 100 jobs reads ~700 of them (CPU profile of the
 * PostgreSQL burn-down: 69 of ~1,130 ms of the worker's CPU went to parsing dates). The unit test compares the two
 * over every shape.
 */
export function parseTimestamptz(text: string): Date | number {
  for (let index = 0; index < RECENT; index++) {
    if (recentTexts[index] === text) return new Date(recentTimes[index]);
  }
  const parsed = parseUncached(text);
  if (parsed instanceof Date) {
    recentTexts[nextRecent] = text;
    recentTimes[nextRecent] = parsed.getTime();
    nextRecent = (nextRecent + 1) % RECENT;
  }
  return parsed;
}

/**
 * The last few distinct dates read, by their text. A claim's rows repeat a handful: its own now() (started_at) and
 * lease end, and the createdAt and availableAt their bulk enqueue gave them all; comparing the text with four costs
 * less than reading it again.
 */
const RECENT = 4;
const recentTexts: string[] = new Array<string>(RECENT).fill('');
const recentTimes: number[] = new Array<number>(RECENT).fill(0);
let nextRecent = 0;

function parseUncached(text: string): Date | number {
  const length = text.length;
  if (
    length < 22 ||
    text.charCodeAt(4) !== DASH ||
    text.charCodeAt(7) !== DASH ||
    text.charCodeAt(10) !== SPACE ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  ) {
    return parseTimestamptzSlowly(text);
  }
  let at = 19;
  let milliseconds = 0;
  if (text.charCodeAt(at) === DOT) {
    at++;
    for (let scale = 100; at < length && isDigit(text.charCodeAt(at)); at++, scale /= 10) {
      milliseconds += (text.charCodeAt(at) - 48) * scale;
    }
  }
  const sign = text.charCodeAt(at);
  const withMinutes = length === at + 6 && text.charCodeAt(at + 3) === COLON;
  if ((sign !== PLUS && sign !== MINUS) || (length !== at + 3 && !withMinutes)) return parseTimestamptzSlowly(text);
  const year = digitsAt(text, 0, 4);
  if (year < 100) return parseTimestamptzSlowly(text); // Date.UTC reads years 0-99 as 1900-1999
  const offsetMinutes = digitsAt(text, at + 1, 2) * 60 + (withMinutes ? digitsAt(text, at + 4, 2) : 0);
  const utc = Date.UTC(
    year,
    digitsAt(text, 5, 2) - 1,
    digitsAt(text, 8, 2),
    digitsAt(text, 11, 2),
    digitsAt(text, 14, 2),
    digitsAt(text, 17, 2),
    Math.floor(milliseconds),
  );
  return new Date(utc - (sign === PLUS ? offsetMinutes : -offsetMinutes) * 60_000);
}

/** The queue pool's type parsers: node-postgres's own, but for timestamptz. */
export const QUEUE_TYPE_PARSERS = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    oid === TIMESTAMPTZ && format !== 'binary'
      ? parseTimestamptz
      : (types.getTypeParser(oid, format) as (value: string) => unknown),
};
