import { type BreakingChange, findBreakingChanges, type GraphQLSchema, isObjectType } from 'graphql';

/**
 * A name on a pending list: an operation as `Query.x`, `Mutation.x` or `Subscription.x`, or a type name.
 * Breaking changes that mention it are excused until it is implemented.
 */
export type PendingName = string;

export interface ContractCheck {
  /** Breaking changes the pending list excuses. */
  excused: BreakingChange[];
  /** Breaking changes nothing excuses: each one breaks a client of the contract. */
  unexcused: BreakingChange[];
  /** Pending names the generated schema already has: they must leave the list. */
  alreadyImplemented: PendingName[];
  /** Pending names the contract does not have: they excuse nothing (a typo?). */
  notInContract: PendingName[];
}

/** Whether a schema has the type, or the root field, a pending name stands for. */
export function schemaHas(schema: GraphQLSchema, name: PendingName): boolean {
  const [typeName, fieldName] = name.split('.');
  const type = schema.getType(typeName);
  if (fieldName === undefined) return type !== undefined;
  return isObjectType(type) && fieldName in type.getFields();
}

function mentions(description: string, name: PendingName): boolean {
  const escaped = name.replace(/\./g, '\\.');
  return new RegExp(`(^|[^\\w.])${escaped}(?![\\w])`).test(description);
}

/** graphql-js findBreakingChanges(contract, generated), split by the pending list. */
export function checkContract(contract: GraphQLSchema, generated: GraphQLSchema, pending: readonly PendingName[]): ContractCheck {
  const changes = findBreakingChanges(contract, generated);
  const isExcused = (change: BreakingChange) => pending.some((name) => mentions(change.description, name));
  return {
    excused: changes.filter(isExcused),
    unexcused: changes.filter((change) => !isExcused(change)),
    alreadyImplemented: pending.filter((name) => schemaHas(generated, name)),
    notInContract: pending.filter((name) => !schemaHas(contract, name)),
  };
}

/** Throws with one readable line per item under a heading when the list is not empty. */
export function expectNone<T>(items: readonly T[], heading: string, line: (item: T) => string = String): void {
  if (items.length === 0) return;
  throw new Error(`${heading}\n${items.map((item) => `  - ${line(item)}`).join('\n')}`);
}

export const describeChange = (change: BreakingChange) => `${change.type}: ${change.description}`;
