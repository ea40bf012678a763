import { Logger } from '@nestjs/common';
import { PubSubEngine } from 'graphql-subscriptions';
import { Client, type Pool } from 'pg';

const CHANNEL = 'file_jobs_events';
const MAX_PAYLOAD_BYTES = 7900;
const RECONNECT_DELAY_MS = 1000;

type Listener = (payload: unknown) => void;

/**
 * An event bus shared by every instance on one PostgreSQL database: publish is NOTIFY on one channel,
 * and a dedicated connection LISTENs and dispatches to this instance's subscribers (its own events
 * included, so local and remote subscribers are served by the same path).
 */
export class PostgresEventBus extends PubSubEngine {
  private readonly logger = new Logger(PostgresEventBus.name);
  private readonly subscriptions = new Map<number, { topic: string; listener: Listener }>();
  private nextId = 1;
  private listener: Client | null = null;
  private closed = false;
  private sending: Promise<void> = Promise.resolve();
  private readonly outbox: { message: string; resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(
    private readonly connectionString: string,
    private readonly pool: Pool,
  ) {
    super();
  }

  async start(): Promise<void> {
    const client = new Client({ connectionString: this.connectionString });
    client.on('notification', (message) => this.dispatch(message.payload));
    client.on('error', (error) => {
      this.logger.warn(`LISTEN connection lost: ${error.message}`);
      this.reconnectLater();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }

  /**
   * Queues the event; events published in the same turn of the event loop leave together, packed into as few
   * NOTIFY payloads as fit (each under PostgreSQL's 8000-byte limit). Resolves once its NOTIFY has been sent.
   */
  publish(topic: string, payload: unknown): Promise<void> {
    const message = JSON.stringify({ topic, payload });
    if (Buffer.byteLength(message) > MAX_PAYLOAD_BYTES) {
      return Promise.reject(new Error(`Event on ${topic} is too large for NOTIFY (${Buffer.byteLength(message)} bytes)`));
    }
    return new Promise((resolve, reject) => {
      this.outbox.push({ message, resolve, reject });
      if (this.outbox.length === 1) setImmediate(() => (this.sending = this.sending.then(() => this.flush())));
    });
  }

  private async flush(): Promise<void> {
    const pending = this.outbox.splice(0);
    const payloads: { text: string; waiting: typeof pending }[] = [];
    for (const entry of pending) {
      const last = payloads.at(-1);
      if (last && Buffer.byteLength(last.text) + Buffer.byteLength(entry.message) + 1 <= MAX_PAYLOAD_BYTES) {
        last.text += `,${entry.message}`;
        last.waiting.push(entry);
      } else {
        payloads.push({ text: entry.message, waiting: [entry] });
      }
    }
    // One after another, so that subscribers receive events in the order they were published.
    for (const { text, waiting } of payloads) {
      await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `[${text}]`]).then(
        () => waiting.forEach((entry) => entry.resolve()),
        (error: Error) => waiting.forEach((entry) => entry.reject(error)),
      );
    }
  }

  async subscribe(topic: string, onMessage: Listener): Promise<number> {
    const id = this.nextId++;
    this.subscriptions.set(id, { topic, listener: onMessage });
    return id;
  }

  unsubscribe(id: number): void {
    this.subscriptions.delete(id);
  }

  private dispatch(raw: string | undefined): void {
    if (!raw) return;
    let messages: { topic: string; payload: unknown }[];
    try {
      messages = JSON.parse(raw);
    } catch {
      return;
    }
    for (const message of messages) {
      for (const { topic, listener } of [...this.subscriptions.values()]) {
        if (topic === message.topic) listener(message.payload);
      }
    }
  }

  private reconnectLater(): void {
    const broken = this.listener;
    this.listener = null;
    void broken?.end().catch(() => undefined);
    if (this.closed) return;
    setTimeout(() => {
      if (this.closed) return;
      this.start().catch((error: Error) => {
        this.logger.warn(`LISTEN reconnect failed: ${error.message}`);
        this.reconnectLater();
      });
    }, RECONNECT_DELAY_MS).unref();
  }
}
