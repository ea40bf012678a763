/** Everything jest's fake timers can fake except Date: timers, the event loop and the network run as ever. */
const ALL_BUT_THE_CLOCK = [
  'hrtime',
  'nextTick',
  'performance',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
] as const;

/**
 * Runs `work` with this process's clock (Date) set `offsetMs` off the real one and still ticking, as on an instance
 * whose clock disagrees with the database's. Instances on several machines share one PostgreSQL; their clocks need
 * not agree with its clock, which is the one a job's due time and lease are kept by.
 */
export async function withClockOffBy<T>(offsetMs: number, work: () => Promise<T>): Promise<T> {
  jest.useFakeTimers({ now: Date.now() + offsetMs, advanceTimers: true, doNotFake: [...ALL_BUT_THE_CLOCK] });
  try {
    return await work();
  } finally {
    jest.useRealTimers();
  }
}
