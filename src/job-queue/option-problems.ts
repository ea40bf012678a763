import type { OptionIssue, OptionSchema } from './option-schema';

/**
 * Checks values against an options schema and words each problem the same way wherever the value came from:
 * "<name> must be <what the schema wants>, got <value>", the name being an option path (`retry.jitterFactor`),
 * an environment variable (`RETRY_JITTER_FACTOR`) or a job option (`options.retry.jitterFactor`).
 */

/** The schema at `path` inside an object schema; undefined when there is none. */
export function schemaAt(
  schema: OptionSchema<unknown>,
  path: readonly PropertyKey[],
): OptionSchema<unknown> | undefined {
  let current: OptionSchema<unknown> | undefined = schema;
  for (const key of path) {
    const shape: Record<string, OptionSchema<unknown>> | undefined = current?.facts.shape;
    current = shape && typeof key === 'string' && key in shape ? shape[key] : undefined;
  }
  return current;
}

/** What a value of `schema` must be, in words: "a whole number from 1 to 256", "true or false", ... */
export function expectation(schema: OptionSchema<unknown> | undefined): string {
  const facts = schema?.facts;
  switch (facts?.kind) {
    case 'number': {
      const kind = facts.integer ? 'a whole number' : 'a number';
      const min = facts.min ?? -Number.MAX_VALUE;
      const max = facts.max ?? Number.MAX_VALUE;
      return max >= Number.MAX_SAFE_INTEGER ? `${kind} of at least ${min}` : `${kind} from ${min} to ${max}`;
    }
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a non-empty string';
    case 'object':
      return 'an object';
    default:
      return 'valid';
  }
}

export interface NamedProblems {
  /** The option's name as the reader knows it, from its path in the schema. */
  name(path: readonly PropertyKey[]): string;
  /** The offending value as the reader gave it. */
  shown(path: readonly PropertyKey[]): string;
}

/** One line for a problem, worded for the reader. */
function worded(issue: OptionIssue, naming: NamedProblems): string[] {
  if (issue.kind === 'unknown-keys') {
    const known = issue.known.join(', ');
    return issue.keys.map((key) => `${naming.name([...issue.path, key])} is not an option here (known: ${known})`);
  }
  // A custom check's or a pattern's own message says what is wanted better than the type can.
  const wanted = issue.message ?? `must be ${expectation(issue.schema)}`;
  return [`${naming.name(issue.path)} ${wanted}, got ${naming.shown(issue.path)}`];
}

/** Parses `input`; on failure, one line per problem, worded for the reader. */
export function checkAgainst<T>(
  schema: OptionSchema<T>,
  input: unknown,
  naming: NamedProblems,
): { value: T; problems: [] } | { value: undefined; problems: string[] } {
  const issues: OptionIssue[] = [];
  const value = schema.parse(input, [], issues);
  if (issues.length === 0) return { value, problems: [] };
  return { value: undefined, problems: issues.flatMap((issue) => worded(issue, naming)) };
}

/** The value at `path` in `input`, shown briefly (JSON, at most 60 characters). */
export function shownValue(input: unknown, path: readonly PropertyKey[]): string {
  let value = input;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  if (typeof value === 'function') return 'a function';
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? typeof value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
