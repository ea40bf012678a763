import { randomUUID } from 'node:crypto';

/** How often an instance with listeners says so again, and how long the others believe it. */
export const INTEREST_HEARTBEAT_MS = 10_000;
export const INTEREST_EXPIRY_MS = 35_000;
/** How long a new listener waits for its own announcement to come back before it goes on regardless. */
const ECHO_WAIT_MS = 2_000;

/** An instance's announcement of the optional topics it listens to. */
export interface InterestMessage {
  origin: string;
  /** Every topic with a listener, whatever kinds of its events they want (all that versions before `only` read). */
  topics: string[];
  /**
   * For a topic listed here, only events of these kinds are wanted (for `job.changed`: these statuses); a topic
   * absent from it is wanted whole. Instances that do not know this field publish every event of the topic.
   */
  only?: Record<string, string[]>;
  /** Increases with each announcement of its origin: a listener waits for the echo of its own. */
  seq: number;
  /** A starting instance asks the others to announce at once. */
  ask?: boolean;
}

/** An optional topic's events: all of them, or those of some kinds only. */
interface TopicInterest {
  /** Listeners of every event of the topic. */
  all: number;
  /** Listeners by the kind of event they want. */
  kinds: Map<string, number>;
}

/** What another instance wants of each topic: null for every event of it, else the kinds. */
type RemoteInterest = Map<string, ReadonlySet<string> | null>;

/**
 * Which optional topics anyone listens to, on this instance or on another one: an interest registry shared over
 * the event bus itself, so that events of an optional topic are published only where someone listens. In a
 * burn-down with no progress subscriber, every job's stage events (two to six per job) were serialized, packed,
 * NOTIFYed, received by every instance, unpacked and dropped. A listener may want some kinds of a topic's events
 * only: 200 `jobUpdated` subscribers that wait for jobs to end do not make every claim (PROCESSING) and enqueue
 * (PENDING) go out as well.
 *
 * The protocol: each instance announces its set of optional topics when it changes, and again every
 * INTEREST_HEARTBEAT_MS while it is not empty; the others believe an announcement for INTEREST_EXPIRY_MS. A
 * starting instance asks, and every instance with listeners answers at once. A new listener is live once its own
 * announcement came back through the bus: NOTIFY delivers in commit order, so every other instance has it ahead
 * of anything it receives later (what it publishes within its current turn of the event loop may still miss it).
 */
export class EventInterest {
  readonly origin = randomUUID();
  private readonly local = new Map<string, TopicInterest>();
  private readonly remote = new Map<string, { topics: RemoteInterest; until: number }>();
  private seq = 0;
  private readonly echoes: { seq: number; resolve: () => void }[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private stopped = false;

  /** `announce` sends a message to every instance, this one included (the bus's publish). */
  constructor(private readonly announce: (message: InterestMessage) => Promise<void>) {}

  /** True while anyone, here or elsewhere, listens to `topic`: to its events of `kind`, or, with no kind, to any. */
  wanted(topic: string, kind?: string): boolean {
    const local = this.local.get(topic);
    if (local && (local.all > 0 || (kind === undefined ? local.kinds.size > 0 : local.kinds.has(kind)))) return true;
    const now = Date.now();
    for (const [origin, { topics, until }] of this.remote) {
      if (until < now) {
        this.remote.delete(origin);
        continue;
      }
      const kinds = topics.get(topic);
      if (kinds === null || (kinds !== undefined && (kind === undefined || kinds.has(kind)))) return true;
    }
    return false;
  }

  /**
   * Counts a listener of `topic`'s events of `kinds` (all of them when not given); resolves once the other instances
   * were told (or after ECHO_WAIT_MS). Undo it with remove() and the same arguments.
   */
  add(topic: string, kinds?: readonly string[]): Promise<void> {
    if (kinds?.length === 0) return Promise.resolve();
    const interest = this.local.get(topic) ?? { all: 0, kinds: new Map<string, number>() };
    this.local.set(topic, interest);
    let widened = false;
    if (kinds === undefined) widened = ++interest.all === 1;
    for (const kind of kinds ?? []) {
      const count = (interest.kinds.get(kind) ?? 0) + 1;
      interest.kinds.set(kind, count);
      widened ||= count === 1;
    }
    return widened ? this.announceNow() : Promise.resolve();
  }

  remove(topic: string, kinds?: readonly string[]): void {
    const interest = this.local.get(topic);
    if (!interest) return;
    let narrowed = false;
    if (kinds === undefined && interest.all > 0) narrowed = --interest.all === 0;
    for (const kind of kinds ?? []) {
      const count = (interest.kinds.get(kind) ?? 0) - 1;
      if (count > 0) interest.kinds.set(kind, count);
      else narrowed = interest.kinds.delete(kind) || narrowed;
    }
    if (interest.all === 0 && interest.kinds.size === 0) this.local.delete(topic);
    if (narrowed) void this.announceNow();
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
      const topics: RemoteInterest = new Map();
      for (const topic of message.topics) {
        const kinds = message.only?.[topic];
        topics.set(topic, kinds ? new Set(kinds) : null);
      }
      this.remote.set(message.origin, { topics, until: Date.now() + INTEREST_EXPIRY_MS });
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
    const only: Record<string, string[]> = {};
    for (const [topic, { all, kinds }] of this.local) if (all === 0) only[topic] = [...kinds.keys()];
    return this.announce({ origin: this.origin, topics: [...this.local.keys()], only, seq: ++this.seq, ask });
  }
}
