import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { JOB_EVENT_BUS } from '../job-queue.constants';
import { type EventsMissedListener, onEventsMissed } from './event-gaps';
import { EventInterest, type InterestMessage } from './event-interest';
import {
  changesIn,
  type CancelRequest,
  type JobProgressEvent,
  type JobsChangedMessage,
  JobTopics,
  OPTIONAL_TOPICS,
  type WakeupMessage,
} from './job-events';

/** Each topic of the queue's events and the payload it carries: the one place that pairs them. */
export interface JobEventPayloads {
  [JobTopics.wakeup]: WakeupMessage;
  [JobTopics.jobChanged]: JobsChangedMessage;
  [JobTopics.jobProgress]: JobProgressEvent;
  [JobTopics.cancelRequested]: CancelRequest;
  /** A queue health result (monitoring's QueueHealth model, as JSON once it crossed instances). */
  [JobTopics.queueHealth]: Record<string, unknown>;
  [JobTopics.interest]: InterestMessage;
}

export type JobTopic = keyof JobEventPayloads;
export type JobEventListener<T extends JobTopic> = (payload: JobEventPayloads[T]) => void | Promise<void>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** An interest message's `only`, keeping its well-formed entries (a malformed one leaves its topic wanted whole). */
function kindsByTopic(value: unknown): Record<string, string[]> | undefined {
  if (!isObject(value)) return undefined;
  const only: Record<string, string[]> = {};
  for (const [topic, kinds] of Object.entries(value)) if (isStringList(kinds)) only[topic] = kinds;
  return only;
}

/**
 * What a payload must look like before a listener sees it, by topic. Payloads come from any instance (older
 * versions included) and from anyone allowed to NOTIFY on the channel, so nothing about their shape is trusted.
 */
const READERS: { [T in JobTopic]: (payload: unknown) => JobEventPayloads[T] | null } = {
  [JobTopics.wakeup]: (payload) =>
    isObject(payload) ? { origin: typeof payload.origin === 'string' ? payload.origin : undefined } : {},
  [JobTopics.jobChanged]: (payload) => {
    const changes = changesIn(payload);
    return changes.length > 0 ? { changes } : null;
  },
  [JobTopics.jobProgress]: (payload) =>
    isObject(payload) && typeof payload.jobId === 'string' && typeof payload.status === 'string'
      ? (payload as unknown as JobProgressEvent)
      : null,
  [JobTopics.cancelRequested]: (payload) =>
    isObject(payload) && typeof payload.jobId === 'string' ? { jobId: payload.jobId } : null,
  [JobTopics.queueHealth]: (payload) => (isObject(payload) ? payload : null),
  [JobTopics.interest]: (payload) =>
    isObject(payload) &&
    typeof payload.origin === 'string' &&
    typeof payload.seq === 'number' &&
    isStringList(payload.topics)
      ? {
          origin: payload.origin,
          topics: payload.topics,
          only: kindsByTopic(payload.only),
          seq: payload.seq,
          ask: payload.ask === true,
        }
      : null,
};

/**
 * The queue's events, typed: every publish and subscribe goes through here, never to the bus itself (in-process,
 * or PostgreSQL LISTEN/NOTIFY across instances). Publishing never throws (a lost event never loses a job: workers
 * also poll, subscribers re-read); a listener that throws or rejects is logged and the others still run.
 */
@Injectable()
export class JobEventBus implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('JobEvents');
  /** Who listens to the optional topics, here and on the other instances. */
  private readonly interest = new EventInterest((message) => this.publish(JobTopics.interest, message));
  private stopListeningForInterest: () => void = () => undefined;

  constructor(@Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine) {}

  async onModuleInit(): Promise<void> {
    this.stopListeningForInterest = await this.subscribe(JobTopics.interest, (message) =>
      this.interest.receive(message),
    );
    await this.interest.ask();
  }

  onModuleDestroy(): void {
    this.interest.stop();
    this.stopListeningForInterest();
  }

  /**
   * False when an event of `topic` (of `kind`, when given: for `job.changed`, a job's new status) would not go out:
   * an optional topic no one listens to anywhere, or not to that kind of its events.
   */
  wants(topic: JobTopic, kind?: string): boolean {
    return !OPTIONAL_TOPICS.has(topic) || this.interest.wanted(topic, kind);
  }

  /** An optional topic's event goes out only while someone listens to it somewhere (see EventInterest). */
  async publish<T extends JobTopic>(topic: T, payload: JobEventPayloads[T]): Promise<void> {
    if (!this.wants(topic)) return;
    try {
      await this.bus.publish(topic, payload);
    } catch (error) {
      this.logger.warn(`could not publish ${topic}: ${(error as Error).message}`);
    }
  }

  /**
   * Calls `listener` with each well-formed payload of `topic`. For an optional topic, `kinds` says which of its
   * events this listener wants published (see want()); the listener still hears every one that goes out. Resolves,
   * once listening (for an optional topic: once the other instances were told), to a stop function.
   */
  async subscribe<T extends JobTopic>(
    topic: T,
    listener: JobEventListener<T>,
    kinds?: readonly string[],
  ): Promise<() => void> {
    const read = READERS[topic];
    const id = await this.bus.subscribe(
      topic,
      (payload: unknown) => {
        const event = read(payload);
        if (event === null) return;
        try {
          void Promise.resolve(listener(event)).catch((error: unknown) => this.listenerFailed(topic, error));
        } catch (error) {
          this.listenerFailed(topic, error);
        }
      },
      {},
    );
    const unwant = OPTIONAL_TOPICS.has(topic) ? await this.want(topic, kinds) : () => undefined;
    return () => {
      this.bus.unsubscribe(id);
      unwant();
    };
  }

  /**
   * Asks for the events of an optional topic to be published, every instance's (all of them, or those of `kinds`:
   * for `job.changed`, the statuses wanted), for a listener subscribed elsewhere: one feed serving many watchers
   * declares each watcher's interest as it comes and goes. Resolves once the other instances were told, to a
   * function that withdraws it (once).
   */
  async want(topic: JobTopic, kinds?: readonly string[]): Promise<() => void> {
    const wanted = kinds && [...kinds];
    await this.interest.add(topic, wanted);
    let withdrawn = false;
    return () => {
      if (withdrawn) return;
      withdrawn = true;
      this.interest.remove(topic, wanted);
    };
  }

  /** The payloads of `topic` as an async iterator, for a GraphQL subscription. */
  iterate<T extends JobTopic>(topic: T): AsyncIterableIterator<JobEventPayloads[T]> {
    return this.bus.asyncIterableIterator<JobEventPayloads[T]>(topic);
  }

  /** Calls `listener` whenever the bus may have dropped events (never in-process). Returns a stop function. */
  onEventsMissed(listener: EventsMissedListener): () => void {
    return onEventsMissed(this.bus, listener);
  }

  private listenerFailed(topic: JobTopic, error: unknown): void {
    this.logger.error(
      `a ${topic} listener failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
}
