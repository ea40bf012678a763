import { AccessException } from './access.exception';
import type { Caller } from './caller';

/**
 * The one rule for operations over the whole queue (stalledJobs, recoverStalledJobs, cleanupJobs,
 * queueHealthChanged): admins only. Anyone else is signed in but not allowed, so FORBIDDEN (403), not
 * UNAUTHENTICATED. Returns the caller so that a resolver can resolve and check in one expression.
 */
export function requireAdmin(caller: Caller, operation: string): Caller {
  if (!caller.isAdmin) throw AccessException.forbidden(`${operation} is for administrators`);
  return caller;
}
