import { Throttle } from '../../src/job-queue/progress/throttle';

/** An action whose runs the test ends one by one: records when each started and how many ran at once. */
function controlledAction() {
  const runs = { started: [] as number[], finished: 0, active: 0, maxActive: 0 };
  const endings: (() => void)[] = [];
  const action = jest.fn(
    () =>
      new Promise<void>((resolve) => {
        runs.started.push(Date.now());
        runs.active++;
        runs.maxActive = Math.max(runs.maxActive, runs.active);
        endings.push(() => {
          runs.active--;
          runs.finished++;
          resolve();
        });
      }),
  );
  return { action, runs, endNext: () => endings.shift()!() };
}

/** Lets the promise chain settle under fake timers. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('Throttle (progress writes)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs a first soon() at once when it never ran, then coalesces any number of soon() into one trailing run an interval later', async () => {
    const action = jest.fn(() => Promise.resolve());
    const throttle = new Throttle(500, action);
    throttle.soon();
    await jest.advanceTimersByTimeAsync(0);
    expect(action).toHaveBeenCalledTimes(1);

    for (let i = 0; i < 1000; i++) throttle.soon();
    await jest.advanceTimersByTimeAsync(499);
    expect(action).toHaveBeenCalledTimes(1); // control: not a millisecond early
    await jest.advanceTimersByTimeAsync(1);
    expect(action).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(action).toHaveBeenCalledTimes(2);
  });

  it('counts the interval from `last` given at construction', async () => {
    const action = jest.fn(() => Promise.resolve());
    const throttle = new Throttle(500, action, Date.now() - 200);
    throttle.soon();
    await jest.advanceTimersByTimeAsync(299);
    expect(action).toHaveBeenCalledTimes(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('now() runs at once, cancels a scheduled run, and restarts the interval', async () => {
    const action = jest.fn(() => Promise.resolve());
    const throttle = new Throttle(500, action, Date.now());
    throttle.soon(); // due in 500 ms
    await jest.advanceTimersByTimeAsync(100);
    await throttle.now();
    expect(action).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(400); // the cancelled run's time passes: nothing
    expect(action).toHaveBeenCalledTimes(1);
    throttle.soon(); // 400 ms since now(): due 100 ms later
    await jest.advanceTimersByTimeAsync(99);
    expect(action).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(action).toHaveBeenCalledTimes(2);
  });

  it('never overlaps runs: a second run starts only once the first has ended', async () => {
    const { action, runs, endNext } = controlledAction();
    const throttle = new Throttle(500, action);
    const first = throttle.now();
    const second = throttle.now();
    await settle();
    expect(runs.started).toHaveLength(1);
    endNext();
    await first;
    await settle();
    expect(runs.started).toHaveLength(2);
    endNext();
    await second;
    expect(runs).toMatchObject({ finished: 2, active: 0, maxActive: 1 });
  });

  it('keeps running after an action fails', async () => {
    let calls = 0;
    const throttle = new Throttle(500, () => {
      calls++;
      return calls === 1 ? Promise.reject(new Error('database hiccup')) : Promise.resolve();
    });
    await expect(throttle.now()).rejects.toThrow('database hiccup');
    await expect(throttle.now()).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });

  it('flush() runs a scheduled trailing run at once (and only once), and otherwise only waits for the current run', async () => {
    const action = jest.fn(() => Promise.resolve());
    const throttle = new Throttle(500, action, Date.now());
    await throttle.flush();
    expect(action).toHaveBeenCalledTimes(0); // nothing scheduled: nothing to run
    expect(throttle.scheduled).toBe(false);
    throttle.soon();
    expect(throttle.scheduled).toBe(true);
    await throttle.flush();
    expect(throttle.scheduled).toBe(false);
    expect(action).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(action).toHaveBeenCalledTimes(1);
  });

  it('cancel() drops the scheduled run', async () => {
    const action = jest.fn(() => Promise.resolve());
    const throttle = new Throttle(500, action, Date.now());
    throttle.soon();
    throttle.cancel();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(action).toHaveBeenCalledTimes(0);
    throttle.soon(); // control: a new soon() after cancel() is scheduled again
    await jest.advanceTimersByTimeAsync(0);
    expect(action).toHaveBeenCalledTimes(1);
  });
});
