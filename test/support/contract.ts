import type { BreakingChange } from 'graphql';

/** Throws with one readable line per item under a heading when the list is not empty. */
export function expectNone<T>(items: readonly T[], heading: string, line: (item: T) => string = String): void {
  if (items.length === 0) return;
  throw new Error(`${heading}\n${items.map((item) => `  - ${line(item)}`).join('\n')}`);
}

export const describeChange = (change: BreakingChange) => `${change.type}: ${change.description}`;
