import { Logger } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';

/**
 * The event bus of a single process (SQLite mode): events never leave this instance, so none is ever missed.
 * A listener that throws is logged and skipped: PubSub calls listeners in turn inside publish, so it would
 * otherwise keep the event from every listener after it and fail the publisher.
 */
export class InMemoryEventBus extends PubSub {
  private readonly logger = new Logger(InMemoryEventBus.name);

  override subscribe<T = unknown>(triggerName: string, onMessage: (payload: T) => void): Promise<number> {
    return super.subscribe(triggerName, (payload: T) => {
      try {
        onMessage(payload);
      } catch (error) {
        this.logger.warn(`a listener of ${triggerName} failed: ${(error as Error).message}`);
      }
    });
  }
}
