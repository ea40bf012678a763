/**
 * The few kinds of value the queue's options take (numbers with limits, booleans, strings, custom checks, strict
 * objects), each with its default, parsed with every problem collected rather than the first thrown.
 *
 * It replaces zod, which checked the same ~30 options but loaded 95 modules (1 MB of JavaScript) into every process:
 * ~6 MB of RSS, measured with Nest already loaded (Node 22), and 3 MB of it heap. A worker-only process needs nothing
 * else of it.
 */

/** One problem: a value at `path` that is not what its schema takes, or keys an object schema does not know. */
export type OptionIssue =
  | { path: PropertyKey[]; kind: 'invalid'; schema: OptionSchema<unknown>; message?: string }
  | { path: PropertyKey[]; kind: 'unknown-keys'; keys: string[]; known: string[] };

type Parse<T> = (value: unknown, path: PropertyKey[], issues: OptionIssue[]) => T;
type Shape = Record<string, OptionSchema<unknown>>;
/** What an object schema gives back: each key's own output. */
export type ShapeOutput<S extends Shape> = { [K in keyof S]: OutputOf<S[K]> };
export type OutputOf<S> = S extends OptionSchema<infer T> ? T : never;

export type ValueKind = 'number' | 'boolean' | 'string' | 'object' | 'custom';

/** The limits and fields a reader of the schema may ask about (the environment reader, the problem wording). */
interface Facts {
  kind: ValueKind;
  integer?: boolean;
  min?: number;
  max?: number;
  shape?: Shape;
}

export class OptionSchema<T> {
  constructor(
    readonly facts: Facts,
    private readonly parseValue: Parse<T>,
    /** This schema before `.default()` was applied to it; itself when it has no default. */
    readonly withoutDefault: OptionSchema<unknown> = this,
  ) {}

  get kind(): ValueKind {
    return this.facts.kind;
  }

  /** Parses `value`, adding a problem to `issues` for each part that is wrong (the result is then not to be used). */
  parse(value: unknown, path: PropertyKey[] = [], issues: OptionIssue[] = []): T {
    return this.parseValue(value, path, issues);
  }

  /** Parses `value`, throwing at the first problem: for values the code itself spells out (defaults). */
  valueFrom(value: unknown): T {
    const issues: OptionIssue[] = [];
    const parsed = this.parse(value, [], issues);
    if (issues.length > 0) throw new Error(`invalid option value at ${issues[0].path.join('.') || '(root)'}`);
    return parsed;
  }

  /** Undefined becomes `fallback`, parsed like a given value (so an object's fallback `{}` takes its keys' defaults). */
  default(fallback: unknown): OptionSchema<T> {
    const parse: Parse<T> = (value, path, issues) => this.parse(value === undefined ? fallback : value, path, issues);
    return new OptionSchema(this.facts, parse, this);
  }

  optional(): OptionSchema<T | undefined> {
    return new OptionSchema(this.facts, (value, path, issues) =>
      value === undefined ? undefined : this.parse(value, path, issues),
    );
  }

  nullable(): OptionSchema<T | null> {
    return new OptionSchema(this.facts, (value, path, issues) =>
      value === null ? null : this.parse(value, path, issues),
    );
  }
}

const invalid = (schema: OptionSchema<unknown>, path: PropertyKey[], issues: OptionIssue[], message?: string) => {
  issues.push({ path, kind: 'invalid', schema, message });
  return undefined as never;
};

/** A finite number from `min` to `max`; a whole one when `integer`. */
export function numberOption(min: number, max: number, integer: boolean): OptionSchema<number> {
  const schema: OptionSchema<number> = new OptionSchema({ kind: 'number', integer, min, max }, (value, path, issues) =>
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    value >= min &&
    value <= max
      ? value
      : invalid(schema, path, issues),
  );
  return schema;
}

export function booleanOption(): OptionSchema<boolean> {
  const schema: OptionSchema<boolean> = new OptionSchema({ kind: 'boolean' }, (value, path, issues) =>
    typeof value === 'boolean' ? value : invalid(schema, path, issues),
  );
  return schema;
}

/** A non-empty string, or one matching `pattern` when given (else refused with its message, which starts "must "). */
export function stringOption(pattern?: { test: RegExp; message: string }): OptionSchema<string> {
  const schema: OptionSchema<string> = new OptionSchema({ kind: 'string' }, (value, path, issues) => {
    if (typeof value !== 'string') return invalid(schema, path, issues);
    if (pattern) return pattern.test.test(value) ? value : invalid(schema, path, issues, pattern.message);
    return value !== '' ? value : invalid(schema, path, issues);
  });
  return schema;
}

/** A value `accepts` takes, else refused with `message` (which starts "must "). */
export function customOption<T>(accepts: (value: unknown) => boolean, message: string): OptionSchema<T> {
  const schema: OptionSchema<T> = new OptionSchema({ kind: 'custom' }, (value, path, issues) =>
    accepts(value) ? (value as T) : invalid(schema, path, issues, message),
  );
  return schema;
}

/** A plain object of exactly these keys, each parsed by its schema, in the shape's order; unknown keys are refused. */
export function objectOption<S extends Shape>(shape: S): OptionSchema<ShapeOutput<S>> & { shape: S } {
  const schema: OptionSchema<ShapeOutput<S>> = new OptionSchema({ kind: 'object', shape }, (value, path, issues) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return invalid(schema, path, issues);
    const given = value as Record<string, unknown>;
    const parsed: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) {
      const fieldValue = field.parse(given[key], [...path, key], issues);
      if (fieldValue !== undefined) parsed[key] = fieldValue;
    }
    const unknown = Object.keys(given).filter((key) => !(key in shape));
    if (unknown.length > 0) issues.push({ path, kind: 'unknown-keys', keys: unknown, known: Object.keys(shape) });
    return parsed as ShapeOutput<S>;
  });
  return Object.assign(schema, { shape });
}

/** The same keys, each optional and without its default: for a value given on top of the resolved options. */
export function partialOf<S extends Shape>(object: { shape: S }): OptionSchema<Partial<ShapeOutput<S>>> {
  const fields = Object.entries(object.shape).map(([key, field]) => [key, field.withoutDefault.optional()]);
  return objectOption(Object.fromEntries(fields) as Shape) as OptionSchema<Partial<ShapeOutput<S>>>;
}
