/** A latch the worker loop sleeps on: woken early by notify(), or after the given time. */
export class Wakeup {
  private pending: { resolve: () => void; timer: NodeJS.Timeout } | null = null;
  private notified = false;
  private sleepingMs: number | null = null;

  /** How long the current wait was asked to last, or null while not waiting (a test signal). */
  get waitingFor(): number | null {
    return this.pending ? this.sleepingMs : null;
  }

  notify(): void {
    if (this.pending) {
      clearTimeout(this.pending.timer);
      this.pending.resolve();
      this.pending = null;
    } else {
      this.notified = true;
    }
  }

  wait(ms: number): Promise<void> {
    if (this.notified) {
      this.notified = false;
      return Promise.resolve();
    }
    this.sleepingMs = ms;
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.pending = null;
          resolve();
        },
        Math.max(0, ms),
      );
      this.pending = { resolve, timer };
    });
  }
}
