/** The first pause before committing an outcome again; it doubles per try up to MAX_RETRY_DELAY_MS. */
const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 5_000;

/**
 * How long this worker still holds a running job, as far as it knows: the lease length from the start of the last
 * claim or renewal that succeeded (the database's clock may only have started it later, never earlier).
 */
export class Lease {
  constructor(public expiresAt: number) {}

  static from(startedAt: number, leaseMs: number): Lease {
    return new Lease(startedAt + leaseMs);
  }

  renewed(startedAt: number, leaseMs: number): void {
    this.expiresAt = Math.max(this.expiresAt, startedAt + leaseMs);
  }

  /** Whether an outcome committed after `delayMs` from now would still find the job held. */
  holdsAfter(delayMs: number): boolean {
    return Date.now() + delayMs < this.expiresAt;
  }
}

/** The pause before try number `tries + 1` of a commit: 100 ms, doubling, at most 5 s. */
export function commitRetryDelayMs(tries: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** tries);
}
