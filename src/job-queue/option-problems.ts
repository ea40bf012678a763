import { z } from 'zod';

/**
 * Checks values against an options schema and words each problem the same way wherever the value came from:
 * "<name> must be <what the schema wants>, got <value>", the name being an option path (`retry.jitterFactor`),
 * an environment variable (`RETRY_JITTER_FACTOR`) or a job option (`options.retry.jitterFactor`).
 */

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { def: Def }).def;

/** The schema of a value itself, under the default, optional and nullable wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (
    let def = defOf(current);
    def.innerType && ['default', 'prefault', 'optional', 'nullable'].includes(def.type);
    def = defOf(current)
  ) {
    current = def.innerType;
  }
  return current;
}

/** The schema at `path` inside an object schema, unwrapped; undefined when there is none. */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const key of path) {
    const shape: Record<string, z.ZodType> | undefined = current && defOf(current).shape;
    current = shape && typeof key === 'string' && key in shape ? unwrap(shape[key]) : undefined;
  }
  return current;
}

/** What a value of `schema` must be, in words: "a whole number from 1 to 256", "true or false", ... */
export function expectation(schema: z.ZodType): string {
  const leaf = unwrap(schema);
  if (leaf instanceof z.ZodNumber) {
    const kind = leaf.isInt ? 'a whole number' : 'a number';
    const min = leaf.minValue ?? -Number.MAX_VALUE;
    const max = leaf.maxValue ?? Number.MAX_VALUE;
    return max >= Number.MAX_SAFE_INTEGER ? `${kind} of at least ${min}` : `${kind} from ${min} to ${max}`;
  }
  if (leaf instanceof z.ZodBoolean) return 'true or false';
  if (leaf instanceof z.ZodString) return 'a non-empty string';
  if (leaf instanceof z.ZodObject) return 'an object';
  return 'valid';
}

export interface NamedProblems {
  /** The option's name as the reader knows it, from its path in the schema. */
  name(path: readonly PropertyKey[]): string;
  /** The offending value as the reader gave it. */
  shown(path: readonly PropertyKey[]): string;
}

/** Parses `input`; on failure, one line per problem, worded for the reader. */
export function checkAgainst<S extends z.ZodType>(
  schema: S,
  input: unknown,
  naming: NamedProblems,
): { value: z.output<S>; problems: [] } | { value: undefined; problems: string[] } {
  const result = schema.safeParse(input);
  if (result.success) return { value: result.data, problems: [] };
  const problems = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const known = Object.keys(defOf(schemaAt(schema, issue.path) ?? schema).shape ?? {}).join(', ');
      return issue.keys.map((key) => `${naming.name([...issue.path, key])} is not an option here (known: ${known})`);
    }
    // A custom check's or a pattern's own message says what is wanted better than the type can.
    const wanted = issue.message.startsWith('must ')
      ? issue.message
      : `must be ${expectation(schemaAt(schema, issue.path) ?? z.never())}`;
    return [`${naming.name(issue.path)} ${wanted}, got ${naming.shown(issue.path)}`];
  });
  return { value: undefined, problems };
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
