import { Logger } from '@nestjs/common';
import { PubSubEngine } from 'graphql-subscriptions';
import { Client, Pool } from 'pg';
import { MAX_PAYLOAD_BYTES, packMessages, type Packet, unpackPayload } from './notify-payloads';

const CHANNEL = 'file_jobs_events';
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
    await this.sending;
    await Promise.all([this.listener?.end().catch(() => undefined), this.publisher.end()]);
    this.listener = null;
  }

  /**
   * Queues the event; events published in the same turn of the event loop leave together, packed into as few
   * NOTIFY payloads as fit (see packMessages). Resolves once its NOTIFY has been sent.
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
      await this.publisher.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).then(
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
      messages = unpackPayload(raw) as typeof messages;
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
