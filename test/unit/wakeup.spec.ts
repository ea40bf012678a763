import { Wakeup } from '../../src/job-queue/workers/wakeup';

/** Whether a promise has settled, without waiting for it. */
function tracked(promise: Promise<void>) {
  const state = { settled: false };
  void promise.then(() => (state.settled = true));
  return state;
}

describe("Wakeup (the idle worker loop's latch)", () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('sleeps the whole time it was asked to when nobody notifies', async () => {
    const wakeup = new Wakeup();
    const sleeping = tracked(wakeup.wait(5_000));
    expect(wakeup.waitingFor).toBe(5_000);
    await jest.advanceTimersByTimeAsync(4_999);
    expect(sleeping.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(sleeping.settled).toBe(true);
    expect(wakeup.waitingFor).toBeNull();
  });

  it('ends the sleep at once on notify(), and clears its timer', async () => {
    const wakeup = new Wakeup();
    const sleeping = tracked(wakeup.wait(60_000));
    await jest.advanceTimersByTimeAsync(10);
    expect(sleeping.settled).toBe(false); // control: asleep before the notify
    wakeup.notify();
    await jest.advanceTimersByTimeAsync(0);
    expect(sleeping.settled).toBe(true);
    expect(wakeup.waitingFor).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('remembers a notify() that came while awake: the next wait returns at once, the one after sleeps', async () => {
    const wakeup = new Wakeup();
    wakeup.notify();
    wakeup.notify(); // several notifications while awake count as one
    const first = tracked(wakeup.wait(60_000));
    await jest.advanceTimersByTimeAsync(0);
    expect(first.settled).toBe(true);
    expect(jest.getTimerCount()).toBe(0);

    const second = tracked(wakeup.wait(60_000));
    await jest.advanceTimersByTimeAsync(59_999);
    expect(second.settled).toBe(false);
    expect(wakeup.waitingFor).toBe(60_000);
    await jest.advanceTimersByTimeAsync(1);
    expect(second.settled).toBe(true);
  });

  it('does not carry a notify() that ended a sleep over to the next wait', async () => {
    const wakeup = new Wakeup();
    const first = tracked(wakeup.wait(1_000));
    wakeup.notify();
    await jest.advanceTimersByTimeAsync(0);
    expect(first.settled).toBe(true);
    const second = tracked(wakeup.wait(1_000));
    await jest.advanceTimersByTimeAsync(999);
    expect(second.settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(second.settled).toBe(true);
  });

  it('treats a negative wait as zero', async () => {
    const wakeup = new Wakeup();
    const sleeping = tracked(wakeup.wait(-5));
    await jest.advanceTimersByTimeAsync(0);
    expect(sleeping.settled).toBe(true);
  });
});
