import type { Client, Pool } from 'pg';

/**
 * How long closing the database waits for connections still in use. What legitimately runs at that point ends well
 * within it: a write begun just before (milliseconds), a sweep's statement, an interactive transaction (Prisma ends
 * those after 5 s). Past it, the connections still out are closed, so that shutdown always ends.
 */
export const POOL_CLOSE_TIMEOUT_MS = 10_000;

/** The connections a pool has open, as its events tell: pg keeps its own list private. */
export function trackConnections(pool: Pool): Set<Client> {
  const connections = new Set<Client>();
  pool.on('connect', (client) => connections.add(client as unknown as Client));
  pool.on('remove', (client) => connections.delete(client as unknown as Client));
  return connections;
}

/**
 * Ends the pool: pg's end() waits until every checked-out connection is handed back, however long that takes. It
 * gets `timeoutMs`; the connections still out then are closed (their holders' statements fail) and the pool is left
 * to them. Returns how many had to be closed.
 */
export async function endPoolWithin(pool: Pool, connections: Set<Client>, timeoutMs: number): Promise<number> {
  const ended = pool.end();
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<'overdue'>((resolve) => (timer = setTimeout(() => resolve('overdue'), timeoutMs)));
  try {
    if ((await Promise.race([ended, overdue])) !== 'overdue') return 0;
  } finally {
    clearTimeout(timer);
  }
  ended.catch(() => undefined); // it settles only if the holders release what was closed under them
  const stuck = [...connections];
  await Promise.all(stuck.map((client) => client.end().catch(() => undefined)));
  return stuck.length;
}
