import { Inject, Injectable, Logger } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { JOB_EVENT_BUS } from '../job-queue.constants';
import { type EventsMissedListener, onEventsMissed } from './event-gaps';
import {
  changesIn,
  type CancelRequest,
  type JobProgressEvent,
  type JobsChangedMessage,
  JobTopics,
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
};

/**
 * The queue's events, typed: every publish and subscribe goes through here, never to the bus itself (in-process,
 * or PostgreSQL LISTEN/NOTIFY across instances). Publishing never throws (a lost event never loses a job: workers
 * also poll, subscribers re-read); a listener that throws or rejects is logged and the others still run.
 */
@Injectable()
export class JobEventBus {
  private readonly logger = new Logger('JobEvents');

  constructor(@Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine) {}

  async publish<T extends JobTopic>(topic: T, payload: JobEventPayloads[T]): Promise<void> {
    try {
      await this.bus.publish(topic, payload);
    } catch (error) {
      this.logger.warn(`could not publish ${topic}: ${(error as Error).message}`);
    }
  }

  /** Calls `listener` with each well-formed payload of `topic`. Resolves, once listening, to a stop function. */
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
    return () => {
      this.bus.unsubscribe(id);
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
