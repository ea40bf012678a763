import { Logger } from '@nestjs/common';
import { PubSubEngine } from 'graphql-subscriptions';
import { Client, Pool } from 'pg';
import type { EventsMissedListener, ReportsMissedEvents } from './event-gaps';
import { MAX_PAYLOAD_BYTES, packMessages, type Packet, unpackPayload } from './notify-payloads';

const CHANNEL = 'file_jobs_events';
const RECONNECT_DELAY_MS = 1000;

type Listener = (payload: unknown) => void;

/**
 * An event bus shared by every instance on one PostgreSQL database: publish is NOTIFY on one channel,
 * and a dedicated connection LISTENs and dispatches to this instance's subscribers (its own events
 * included, so local and remote subscribers are served by the same path).
 *
 * NOTIFY is not replayed: what is sent while the LISTEN connection is down never arrives. So the bus tells its
 * users (onEventsMissed) when the connection drops and again when it is back (for subscriptions made meanwhile),
 * and they end their subscriptions with an error rather than let them go silently incomplete.
 */
export class PostgresEventBus extends PubSubEngine implements ReportsMissedEvents {
  private readonly logger = new Logger(PostgresEventBus.name);
  private readonly subscriptions = new Map<number, { topic: string; listener: Listener }>();
  private readonly missedListeners = new Set<EventsMissedListener>();
  private nextId = 1;
  private listener: Client | null = null;
  private closed = false;
  private sending: Promise<void> = Promise.resolve();
  private readonly outbox: { message: string; resolve: () => void; reject: (error: Error) => void }[] = [];
  /**
   * NOTIFY commits a transaction of its own. An event is a hint (a lost one never loses a job: workers poll,
   * subscribers re-read), so it need not wait for the WAL flush the way the queue's own writes do.
   */
  private readonly publisher: Pool;

  constructor(private readonly connectionString: string) {
    super();
    this.publisher = new Pool({ connectionString, max: 1, options: '-c synchronous_commit=off' });
    this.publisher.on('error', (error) => this.logger.warn(`idle NOTIFY connection failed: ${error.message}`));
  }

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.connectionString });
    client.on('notification', (message) => this.dispatch(message.payload));
    // A connection ends with 'error' (terminated, network) or just 'end' (server shut down cleanly): either way once.
    const lost = (why: string) => {
      if (this.listener !== client) return;
      this.logger.warn(`LISTEN connection lost: ${why}`);
      this.reconnectLater();
      this.reportMissed(`the event connection to PostgreSQL was lost (${why})`);
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.listener = client;
  }

  onEventsMissed(listener: EventsMissedListener): () => void {
    this.missedListeners.add(listener);
    return () => this.missedListeners.delete(listener);
  }

  /**
   * After the workers drained: whatever they published (their last completions) goes out before the publishing
   * pool ends, then the connections close. Publishing after this rejects.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (;;) {
      const sending = this.sending;
      await sending;
      if (this.outbox.length > 0) this.sending = this.sending.then(() => this.flush());
      else if (sending === this.sending) break;
    }
    await Promise.all([this.endListener(), this.publisher.end()]);
  }

  private async endListener(): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  /**
   * Queues the event; events published in the same turn of the event loop leave together, packed into as few
   * NOTIFY payloads as fit (see packMessages). Resolves once its NOTIFY has been sent.
   */
  publish(topic: string, payload: unknown): Promise<void> {
    if (this.closed && this.publisherEnded())
      return Promise.reject(new Error(`Event on ${topic} not sent: the event bus is closed`));
    const message = JSON.stringify({ topic, payload });
    if (Buffer.byteLength(message) > MAX_PAYLOAD_BYTES) {
      return Promise.reject(
        new Error(`Event on ${topic} is too large for NOTIFY (${Buffer.byteLength(message)} bytes)`),
      );
    }
    return new Promise((resolve, reject) => {
      this.outbox.push({ message, resolve, reject });
      if (this.outbox.length === 1) {
        setImmediate(() => {
          this.sending = this.sending.then(() => this.flush());
        });
      }
    });
  }

  private publisherEnded(): boolean {
    return (this.publisher as Pool & { ending?: boolean }).ending === true;
  }

  private async flush(): Promise<void> {
    const pending = this.outbox.splice(0);
    if (pending.length === 0) return;
    let packets: Packet[];
    try {
      packets = packMessages(pending.map((entry) => entry.message));
    } catch (error) {
      pending.forEach((entry) => entry.reject(error as Error));
      return;
    }
    // One after another, so that subscribers receive events in the order they were published.
    let sent = 0;
    for (const { payload, count } of packets) {
      const waiting = pending.slice(sent, (sent += count));
      await this.notify(payload).then(
        () => waiting.forEach((entry) => entry.resolve()),
        (error: Error) => waiting.forEach((entry) => entry.reject(error)),
      );
    }
  }

  /** A second try on a fresh connection: the pool's one connection may have been cut while idle. */
  private async notify(payload: string): Promise<void> {
    try {
      await this.publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
    } catch {
      await this.publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
    }
  }

  subscribe(topic: string, onMessage: Listener): Promise<number> {
    const id = this.nextId++;
    this.subscriptions.set(id, { topic, listener: onMessage });
    return Promise.resolve(id);
  }

  unsubscribe(id: number): void {
    this.subscriptions.delete(id);
  }

  /**
   * Runs inside pg's notification handler, where anything thrown would be an uncaught exception (exit 1): a bad
   * payload (anyone who may NOTIFY on the channel can send one) or a listener that throws is logged and skipped.
   */
  private dispatch(raw: string | undefined): void {
    if (!raw) return;
    let messages: unknown;
    try {
      messages = unpackPayload(raw);
    } catch (error) {
      this.logger.warn(`ignored a NOTIFY payload that is not JSON: ${(error as Error).message}`);
      return;
    }
    if (!Array.isArray(messages)) {
      this.logger.warn(`ignored a NOTIFY payload that is not an array of messages: ${raw.slice(0, 100)}`);
      return;
    }
    for (const message of messages) {
      const topic = (message as { topic?: unknown } | null)?.topic;
      if (typeof topic !== 'string') {
        this.logger.warn(`ignored a NOTIFY message without a topic: ${JSON.stringify(message)?.slice(0, 100)}`);
        continue;
      }
      for (const subscription of [...this.subscriptions.values()]) {
        if (subscription.topic !== topic) continue;
        try {
          subscription.listener((message as { payload?: unknown }).payload);
        } catch (error) {
          this.logger.warn(`a listener of ${topic} failed: ${(error as Error).message}`);
        }
      }
    }
  }

  private reportMissed(reason: string): void {
    for (const listener of [...this.missedListeners]) {
      try {
        listener(reason);
      } catch (error) {
        this.logger.warn(`a listener of missed events failed: ${(error as Error).message}`);
      }
    }
  }

  private reconnectLater(): void {
    void this.endListener();
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed) return;
      this.start().then(
        () => {
          if (this.closed) return void this.endListener();
          // Subscriptions made while the connection was down missed what was sent meanwhile too.
          this.reportMissed('the event connection to PostgreSQL was down for a while');
        },
        (error: Error) => {
          this.logger.warn(`LISTEN reconnect failed: ${error.message}`);
          this.reconnectLater();
        },
      );
    }, RECONNECT_DELAY_MS).unref();
  }
}
