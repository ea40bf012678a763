/** A busy pool claims once this share of its slots is free (or GATHER_MS has passed), not slot by slot. */
const CLAIM_BATCH_SHARE = 0.1;
/**
 * How long a busy pool's free slots wait for enough others to free before it claims for them anyway. Without this
 * bound, a pool whose other slots ran long jobs left its free ones idle until enough of those jobs ended (20 slots,
 * 19 long jobs: the 20th stayed idle while they ran). Claiming at nine tenths of the slots instead of a tenth, with
 * this window, halved the no-op burn-down's statements on PostgreSQL (449 instead of 934 for 20,000 jobs) but not
 * its time (medians within 3 % over six alternating runs each) while it would keep short real jobs' slots waiting
 * out the window: a tenth stays.
 */
const GATHER_MS = 20;

/**
 * When a worker pool claims: how long its free slots wait for more to free, and whether a freed slot is a reason to
 * claim at all. The pool asks before each claim and tells it what each claim found.
 */
export class ClaimPacing {
  /** When the busy pool's free slots began to wait for more to free; null when not waiting. */
  private gatheringSince: number | null = null;
  /**
   * The last claim found fewer due jobs than free slots: until the pool's idle wait ends, a slot that frees is no
   * reason to claim (work arriving wakes the pool itself). With jobs arriving one at a time, claiming as each job
   * started and ended cost three claims and three next-due queries a job instead of one each.
   */
  private drained = false;

  constructor(
    private readonly concurrency: number,
    private readonly pollIntervalMs: number,
  ) {}

  /**
   * 0 to claim for the `free` slots now; otherwise how long to wait first (a job ending wakes the pool sooner). A
   * full pool waits out the poll; a busy pool with fewer than a tenth of its slots free waits until more are free,
   * but at most GATHER_MS from when it began to wait.
   */
  msBeforeClaiming(free: number, running: number): number {
    if (free <= 0) {
      this.gatheringSince = null;
      return this.pollIntervalMs;
    }
    const claimBatchFloor = Math.max(1, Math.floor(this.concurrency * CLAIM_BATCH_SHARE));
    if (free < claimBatchFloor && running > 0) {
      this.gatheringSince ??= Date.now();
      const gatherLeftMs = this.gatheringSince + GATHER_MS - Date.now();
      if (gatherLeftMs > 0) return gatherLeftMs;
    }
    this.gatheringSince = null;
    return 0;
  }

  /** Told before the claimed jobs start, so that the first of them to end already sees it. */
  claimed(count: number, free: number): void {
    this.drained = count < free;
  }

  /** The last claim left slots free: the pool sleeps until the next due job, and a freed slot does not wake it. */
  get queueDrained(): boolean {
    return this.drained;
  }

  /** The pool's idle wait is over (or never began): the next freed slot counts again. */
  idleWaitEnded(): void {
    this.drained = false;
  }
}
