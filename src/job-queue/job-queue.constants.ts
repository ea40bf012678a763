export const JOB_QUEUE_OPTIONS = Symbol('JOB_QUEUE_OPTIONS');
export const JOB_EVENT_BUS = Symbol('JOB_EVENT_BUS');
export const QUEUE_STORE = Symbol('QUEUE_STORE');
