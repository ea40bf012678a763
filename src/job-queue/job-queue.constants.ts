export const JOB_QUEUE_OPTIONS = Symbol('JOB_QUEUE_OPTIONS');
export const JOB_EVENT_BUS = Symbol('JOB_EVENT_BUS');
/** The provider's QueueDriver (database/queue-driver.ts). */
export const QUEUE_DRIVER = Symbol('QUEUE_DRIVER');
