import { type ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * The one place where input is checked for what the databases cannot store, shared by the GraphQL DTOs (through
 * the decorators and the pipe below) and the upload fields of POST /files. Every problem names its field.
 */
export const INPUT_LIMITS = {
  /**
   * Dates from 0001-01-01 to 9999-12-31 (UTC), the years ISO 8601 writes with four digits: PostgreSQL refuses
   * year 0 and the six-digit years that JavaScript writes beyond 9999, SQLite stores the ISO text as given.
   */
  minDate: new Date('0001-01-01T00:00:00.000Z'),
  maxDate: new Date('9999-12-31T23:59:59.999Z'),
  /** Levels of objects and arrays in a job's options: 3,000 overflowed the stack on the way to the database. */
  optionsMaxDepth: 32,
  /** A job's options as JSON text, in bytes of UTF-8: settings for a processor, not a place for data. */
  optionsMaxBytes: 16 * 1024,
} as const;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with a string for the databases (NUL: PostgreSQL text and jsonb refuse it; a lone surrogate is no UTF-8), or null. */
export function textProblem(value: string, field: string): string | null {
  if (value.includes('\u0000')) return `${field} must not contain NUL characters (\\u0000)`;
  if (LONE_SURROGATE.test(value)) return `${field} must be valid Unicode text (it has a lone surrogate)`;
  return null;
}

/** What is wrong with a date for the databases, or null. */
export function dateProblem(value: Date, field: string): string | null {
  const time = value.getTime();
  if (Number.isNaN(time) || time < INPUT_LIMITS.minDate.getTime() || time > INPUT_LIMITS.maxDate.getTime()) {
    return `${field} must be a date from 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z`;
  }
  return null;
}

/**
 * What is wrong with a JSON value (a job's options) for the databases, or null: depth first, walked without
 * recursion so that no input can overflow the stack; then every key and string; then the size.
 */
export function jsonProblem(value: unknown, field: string): string | null {
  const pending: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: field }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value === 'string') {
      const problem = textProblem(next.value, next.path);
      if (problem) return problem;
    } else if (typeof next.value === 'number' && !Number.isFinite(next.value)) {
      return `${next.path} must be a finite number`;
    } else if (next.value !== null && typeof next.value === 'object') {
      if (next.depth >= INPUT_LIMITS.optionsMaxDepth)
        return `${field} must not be nested more than ${INPUT_LIMITS.optionsMaxDepth} levels deep`;
      for (const [key, child] of Object.entries(next.value)) {
        const keyProblem = textProblem(key, `a key in ${next.path}`);
        if (keyProblem) return keyProblem;
        pending.push({
          value: child,
          depth: next.depth + 1,
          path: Array.isArray(next.value) ? `${next.path}[${key}]` : `${next.path}.${key}`,
        });
      }
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  if (bytes > INPUT_LIMITS.optionsMaxBytes)
    return `${field} must be at most ${INPUT_LIMITS.optionsMaxBytes} bytes of JSON, not ${bytes}`;
  return null;
}

/** Levels a whole GraphQL argument may have above a job's options (inputs → [i] → options), checked before class-transformer recurses. */
const ARGUMENT_LEVELS_ABOVE_OPTIONS = 4;

/**
 * Whether a value is nested deeper than `maxDepth`, walked without recursion; the message names the path to the
 * first level too deep, cut after `shownSegments` names (enough to name the field, never 3,000 of them).
 */
export function nestingProblem(value: unknown, field: string, maxDepth: number, shownSegments = 3): string | null {
  const pending: { value: unknown; path: string[] }[] = [{ value, path: [] }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (next.value === null || typeof next.value !== 'object') continue;
    if (next.path.length >= maxDepth) {
      const shown = [field, ...next.path.slice(0, shownSegments)].filter(Boolean).join('.');
      return `${shown}… must not be nested more than ${INPUT_LIMITS.optionsMaxDepth} levels deep`;
    }
    for (const [key, child] of Object.entries(next.value)) pending.push({ value: child, path: [...next.path, key] });
  }
  return null;
}

type Check<T> = (value: T, field: string) => string | null;

/** A class-validator decorator from one of the checks above; `each` checks every element of an array. */
function checkedBy<T>(
  name: string,
  applies: (value: unknown) => value is T,
  check: Check<T>,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => !applies(value) || check(value, 'value') === null,
        defaultMessage: (args) => {
          const value: unknown = args?.value;
          return (applies(value) && check(value, '$property')) || '$property is invalid';
        },
      },
    },
    options,
  );
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isDate = (value: unknown): value is Date => value instanceof Date;
const isAny = (value: unknown): value is unknown => value !== undefined && value !== null;

/** The string holds no NUL character and no lone surrogate. */
export const IsStorableText = (options?: ValidationOptions) =>
  checkedBy('isStorableText', isString, textProblem, options);
/** The date lies in INPUT_LIMITS' range. */
export const IsStorableDate = (options?: ValidationOptions) =>
  checkedBy('isStorableDate', isDate, dateProblem, options);
/** The JSON value is within INPUT_LIMITS' depth and size and holds storable text only. */
export const IsStorableJson = (options?: ValidationOptions) => checkedBy('isStorableJson', isAny, jsonProblem, options);

/**
 * Validates and transforms GraphQL args and inputs by their class-validator decorators (BAD_USER_INPUT on
 * failure); plain string arguments (`id`, `jobId`) have no class to decorate, so the pipe checks them itself, and
 * it refuses absurd nesting before class-transformer, which recurses (options 3,000 levels deep overflowed the stack).
 */
class JobQueueValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // @nestjs/graphql hands GraphQL arguments to pipes as 'body'; @Context('req') comes as 'custom' and is no input.
    if (metadata.type !== 'body') return super.transform(value, metadata);
    const field = metadata.data ?? '';
    const problem =
      typeof value === 'string'
        ? textProblem(value, field || 'argument')
        : nestingProblem(value, field, INPUT_LIMITS.optionsMaxDepth + ARGUMENT_LEVELS_ABOVE_OPTIONS);
    if (problem) throw new BadRequestException(problem);
    return super.transform(value, metadata);
  }
}

export const validationPipe = new JobQueueValidationPipe({ transform: true, forbidUnknownValues: false });
