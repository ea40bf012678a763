import type { Pool, PoolClient } from 'pg';

/** What `work` can tell of its connection: whether it was lost, and a way to have it destroyed rather than reused. */
export interface CheckedOutSession {
  readonly lost: Error | undefined;
  /** The connection cannot be trusted any more (a session lock it could not release, say): it is not put back. */
  readonly discard: (error: Error) => void;
}

/**
 * Runs `work` on a connection checked out of `pool`, for what must hold one session: a transaction, a session lock.
 * A checked-out client has no pool-level 'error' listener, and an 'error' event nobody listens to kills the process:
 * a connection lost while a sweep held its lock did (an outage, pg_terminate_backend). Here the loss is heard and
 * given to `onLost`; the connection is destroyed rather than put back when it was lost or discarded, or when `work`
 * failed (it may be mid-transaction).
 */
export async function onCheckedOutConnection<T>(
  pool: Pool,
  work: (connection: PoolClient, session: CheckedOutSession) => Promise<T>,
  onLost: (error: Error) => void = () => undefined,
): Promise<T> {
  const connection = await pool.connect();
  const session: { lost: Error | undefined; discard: (error: Error) => void } = {
    lost: undefined,
    discard: (error) => {
      session.lost = error;
      onLost(error);
    },
  };
  connection.on('error', session.discard);
  let failure: Error | undefined;
  try {
    return await work(connection, session);
  } catch (error) {
    failure = error as Error;
    throw error;
  } finally {
    connection.off('error', session.discard);
    connection.release(session.lost ?? failure);
  }
}
