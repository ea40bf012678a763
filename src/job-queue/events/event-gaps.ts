import type { PubSubEngine } from 'graphql-subscriptions';

/** Why a subscriber can no longer trust that it saw every event. */
export type EventsMissedListener = (reason: string) => void;

/** A bus that can lose events for a while (a cross-instance bus whose connection drops) says so to its users. */
export interface ReportsMissedEvents {
  onEventsMissed(listener: EventsMissedListener): () => void;
}

function reportsMissedEvents(bus: PubSubEngine): bus is PubSubEngine & ReportsMissedEvents {
  return typeof (bus as Partial<ReportsMissedEvents>).onEventsMissed === 'function';
}

/** Calls `listener` whenever `bus` may have dropped events (never for the in-process bus). Returns a stop function. */
export function onEventsMissed(bus: PubSubEngine, listener: EventsMissedListener): () => void {
  return reportsMissedEvents(bus) ? bus.onEventsMissed(listener) : () => undefined;
}
