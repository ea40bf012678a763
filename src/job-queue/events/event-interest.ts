import { randomUUID } from 'node:crypto';

/** How often an instance with listeners says so again, and how long the others believe it. */
export const INTEREST_HEARTBEAT_MS = 10_000;
export const INTEREST_EXPIRY_MS = 35_000;
/** How long a new listener waits for its own announcement to come back before it goes on regardless. */
const ECHO_WAIT_MS = 2_000;

/** An instance's announcement of the optional topics it listens to. */
export interface InterestMessage {
  origin: string;
  topics: string[];
  /** Increases with each announcement of its origin: a listener waits for the echo of its own. */
  seq: number;
  /** A starting instance asks the others to announce at once. */
  ask?: boolean;
}

/**
 * Which optional topics anyone listens to, on this instance or on another one: an interest registry shared over
 * the event bus itself, so that events of an optional topic are published only where someone listens. In a
 * burn-down with no progress subscriber, every job's stage events (two to six per job) were serialized, packed,
 * NOTIFYed, received by every instance, unpacked and dropped.
 *
 * The protocol: each instance announces its set of optional topics when it changes, and again every
 * INTEREST_HEARTBEAT_MS while it is not empty; the others believe an announcement for INTEREST_EXPIRY_MS. A
 * starting instance asks, and every instance with listeners answers at once. A new listener is live once its own
 * announcement came back through the bus: NOTIFY delivers in commit order, so every other instance has it ahead
 * of anything it receives later (what it publishes within its current turn of the event loop may still miss it).
 */
export class EventInterest {
  readonly origin = randomUUID();
  private readonly local = new Map<string, number>();
  private readonly remote = new Map<string, { topics: Set<string>; until: number }>();
  private seq = 0;
  private readonly echoes: { seq: number; resolve: () => void }[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private stopped = false;

  /** `announce` sends a message to every instance, this one included (the bus's publish). */
  constructor(private readonly announce: (message: InterestMessage) => Promise<void>) {}

  /** True while anyone, here or elsewhere, listens to `topic`. */
  wanted(topic: string): boolean {
    if ((this.local.get(topic) ?? 0) > 0) return true;
    const now = Date.now();
    for (const [origin, { topics, until }] of this.remote) {
      if (until < now) this.remote.delete(origin);
      else if (topics.has(topic)) return true;
    }
    return false;
  }

  /** Counts a listener of `topic`; resolves once the other instances were told (or after ECHO_WAIT_MS). */
  add(topic: string): Promise<void> {
    const count = (this.local.get(topic) ?? 0) + 1;
    this.local.set(topic, count);
    return count === 1 ? this.announceNow() : Promise.resolve();
  }

  remove(topic: string): void {
    const count = (this.local.get(topic) ?? 0) - 1;
    if (count > 0) return void this.local.set(topic, count);
    this.local.delete(topic);
    void this.announceNow();
  }

  /** Asks the others for their interests (at start-up). */
  ask(): Promise<void> {
    return this.send(true);
  }

  /** Every announcement, this instance's own included. */
  receive(message: InterestMessage): void {
    if (message.origin === this.origin) {
      for (const echo of this.echoes.filter((entry) => entry.seq <= message.seq)) {
        this.echoes.splice(this.echoes.indexOf(echo), 1);
        echo.resolve();
      }
      return;
    }
    if (message.topics.length > 0) {
      this.remote.set(message.origin, { topics: new Set(message.topics), until: Date.now() + INTEREST_EXPIRY_MS });
    } else {
      this.remote.delete(message.origin);
    }
    if (message.ask && this.local.size > 0) void this.send(false);
  }

  stop(): void {
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const echo of this.echoes.splice(0)) echo.resolve();
  }

  private async announceNow(): Promise<void> {
    if (this.local.size > 0 && !this.heartbeat && !this.stopped) {
      this.heartbeat = setInterval(() => void this.send(false), INTEREST_HEARTBEAT_MS).unref();
    } else if (this.local.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
    const seq = this.seq + 1;
    const echoed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ECHO_WAIT_MS).unref();
      this.echoes.push({
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
    await this.send(false);
    await echoed;
  }

  private send(ask: boolean): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.announce({ origin: this.origin, topics: [...this.local.keys()], seq: ++this.seq, ask });
  }
}
