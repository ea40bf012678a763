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
    Array.isArray(payload.topics) &&
    payload.topics.every((topic) => typeof topic === 'string')
      ? { origin: payload.origin, topics: payload.topics, seq: payload.seq, ask: payload.ask === true }
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

  /** False when an event of `topic` would not go out: an optional topic no one listens to anywhere. */
  wants(topic: JobTopic): boolean {
    return !OPTIONAL_TOPICS.has(topic) || this.interest.wanted(topic);
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
   * Calls `listener` with each well-formed payload of `topic`. Resolves, once listening (for an optional topic:
   * once the other instances were told), to a stop function.
   */
  async subscribe<T extends JobTopic>(topic: T, listener: JobEventListener<T>): Promise<() => void> {
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
    if (!OPTIONAL_TOPICS.has(topic)) {
      return () => {
        this.bus.unsubscribe(id);
      };
    }
    await this.interest.add(topic);
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      this.bus.unsubscribe(id);
      this.interest.remove(topic);
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
