import { type JobQueueModuleOptions } from '../job-queue';
import { ENVIRONMENT_VARIABLES, jobQueueOptionsSchema } from '../job-queue/job-queue-options.schema';
import { checkAgainst, expectation, schemaAt } from '../job-queue/option-problems';
import type { OptionSchema } from '../job-queue/option-schema';

type Env = Record<string, string | undefined>;
type OptionPath = keyof typeof ENVIRONMENT_VARIABLES;

/** A variable's text as the value its option's schema takes; undefined when it cannot be one. */
function fromText(text: string, schema: OptionSchema<unknown> | undefined): unknown {
  if (schema?.kind === 'number') {
    if (schema.facts.integer) return /^\d+$/.test(text) ? Number(text) : undefined;
    return text !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined;
  }
  if (schema?.kind === 'boolean') {
    const word = text.toLowerCase();
    return ['true', '1', 'yes'].includes(word) ? true : ['false', '0', 'no'].includes(word) ? false : undefined;
  }
  return text;
}

function setAt(target: Record<string, unknown>, [first, ...rest]: string[], value: unknown): void {
  if (rest.length === 0) target[first] = value;
  else setAt((target[first] ??= {}) as Record<string, unknown>, rest, value);
}

/**
 * The queue's options from the environment, read with the schema forRoot is checked with: a blank variable is
 * unset (the option's default applies); each problem, named by its variable, goes to `problems`.
 */
export function queueOptionsFromEnvironment(env: Env, problems: string[]): JobQueueModuleOptions {
  const input: Record<string, unknown> = {};
  for (const [path, variable] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const text = env[variable]?.trim();
    if (!text) continue;
    const keys = path.split('.');
    const schema = schemaAt(jobQueueOptionsSchema, keys);
    const value = fromText(text, schema);
    if (value === undefined) problems.push(`${variable} must be ${expectation(schema)}, got "${env[variable]}"`);
    else setAt(input, keys, value);
  }
  const variableOf = (path: readonly PropertyKey[]) =>
    ENVIRONMENT_VARIABLES[path.join('.') as OptionPath] ?? path.join('.');
  const checked = checkAgainst(jobQueueOptionsSchema, input, {
    name: variableOf,
    shown: (path) => `"${env[variableOf(path)]}"`,
  });
  problems.push(...checked.problems);
  return checked.value ?? {};
}
