/**
 * Who is asking. Every service operation takes one; queries are filtered by it. The module's `resolveCaller` (the
 * standalone server's sign-in, or a host's own rule) names it; with none, every caller is ANONYMOUS_ADMIN, which
 * sees everything.
 */
export interface Caller {
  userId: string | null;
  /** May see and act on every user's jobs and files. */
  isAdmin: boolean;
}

export const ANONYMOUS_ADMIN: Caller = Object.freeze({ userId: null, isAdmin: true });

/** The userId filter a query must apply for this caller: undefined means no filter. */
export function ownerScope(caller: Caller): string | null | undefined {
  return caller.isAdmin ? undefined : caller.userId;
}
