import { PubSub } from 'graphql-subscriptions';

/** The event bus of a single process (SQLite mode): events never leave this instance. */
export class InMemoryEventBus extends PubSub {}
