/** Runs `action` at most once per interval; `soon()` schedules a trailing run, `now()` runs at once. Runs never overlap. */
export class Throttle {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();

  /** `last`: when the action counts as last run (0: never, so the first run may be immediate). */
  constructor(
    private readonly intervalMs: number,
    private readonly action: () => Promise<void>,
    private last = 0,
  ) {}

  /** A trailing run is scheduled. */
  get scheduled(): boolean {
    return this.timer !== null;
  }

  soon(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.intervalMs - Date.now());
    this.timer = setTimeout(() => void this.now(), wait);
  }

  now(): Promise<void> {
    this.cancel();
    this.last = Date.now();
    this.running = this.running.then(this.action, this.action);
    return this.running;
  }

  /** Runs at once if a trailing run is scheduled; otherwise does nothing. */
  flush(): Promise<void> {
    return this.timer ? this.now() : this.running;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
