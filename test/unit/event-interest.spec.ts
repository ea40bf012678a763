import { EventInterest, INTEREST_EXPIRY_MS, type InterestMessage } from '../../src/job-queue/events/event-interest';

/**
 * Instances joined by a bus that delivers every announcement to every instance, the sender included, in order
 * (as NOTIFY does); `held` keeps messages back until `deliver()`, to see what an instance knows before and after.
 */
function cluster(count: number) {
  const held: InterestMessage[] = [];
  let holding = false;
  const instances: EventInterest[] = [];
  const broadcast = (message: InterestMessage) => instances.forEach((instance) => instance.receive(message));
  for (let i = 0; i < count; i++) {
    instances.push(
      new EventInterest((message) => {
        if (holding) held.push(message);
        else broadcast(message);
        return Promise.resolve();
      }),
    );
  }
  return {
    instances,
    hold: () => (holding = true),
    deliver: () => {
      holding = false;
      held.splice(0).forEach(broadcast);
    },
  };
}

describe('EventInterest (who listens to the optional topics, across instances)', () => {
  let stop: (() => void)[] = [];
  afterEach(() => {
    stop.forEach((fn) => fn());
    stop = [];
  });

  it('tells every instance that one listens, and that it stopped', async () => {
    const { instances } = cluster(3);
    stop = instances.map((instance) => () => instance.stop());
    const [subscriber, worker, other] = instances;
    expect(worker.wanted('job.progress')).toBe(false);
    await subscriber.add('job.progress');
    expect([subscriber, worker, other].map((instance) => instance.wanted('job.progress'))).toEqual([true, true, true]);
    expect(worker.wanted('job.changed')).toBe(false);
    subscriber.remove('job.progress');
    expect([subscriber, worker, other].map((instance) => instance.wanted('job.progress'))).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('counts listeners: the topic stays wanted until the last one leaves', async () => {
    const { instances } = cluster(2);
    stop = instances.map((instance) => () => instance.stop());
    const [subscriber, worker] = instances;
    await subscriber.add('job.progress');
    await subscriber.add('job.progress');
    subscriber.remove('job.progress');
    expect(worker.wanted('job.progress')).toBe(true);
    subscriber.remove('job.progress');
    expect(worker.wanted('job.progress')).toBe(false);
  });

  it('a new listener is live only once its announcement came back: until then the others may not know', async () => {
    const { instances, hold, deliver } = cluster(2);
    stop = instances.map((instance) => () => instance.stop());
    const [subscriber, worker] = instances;
    hold();
    let live = false;
    const adding = subscriber.add('job.progress').then(() => (live = true));
    await Promise.resolve();
    expect({ live, known: worker.wanted('job.progress') }).toEqual({ live: false, known: false });
    deliver();
    await adding;
    expect({ live, known: worker.wanted('job.progress') }).toEqual({ live: true, known: true });
  });

  it('a starting instance learns the listeners of the others by asking', async () => {
    const { instances, hold, deliver } = cluster(2);
    stop = instances.map((instance) => () => instance.stop());
    const [subscriber, starting] = instances;
    hold(); // the starting instance was not listening yet when the subscriber announced
    const adding = subscriber.add('job.progress');
    const lost = starting.wanted('job.progress');
    deliver();
    await adding;
    expect(lost).toBe(false);
    starting.receive({ origin: subscriber.origin, topics: [], seq: 0 }); // forget, as if it had just started
    expect(starting.wanted('job.progress')).toBe(false);
    await starting.ask();
    expect(starting.wanted('job.progress')).toBe(true);
  });

  it('forgets an instance whose announcements stopped (it died) after INTEREST_EXPIRY_MS', async () => {
    const { instances } = cluster(2);
    stop = instances.map((instance) => () => instance.stop());
    const [subscriber, worker] = instances;
    await subscriber.add('job.progress');
    subscriber.stop(); // no more heartbeats
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now');
    try {
      clock.mockReturnValue(now + INTEREST_EXPIRY_MS - 1_000);
      expect(worker.wanted('job.progress')).toBe(true);
      clock.mockReturnValue(now + INTEREST_EXPIRY_MS + 1_000);
      expect(worker.wanted('job.progress')).toBe(false);
    } finally {
      clock.mockRestore();
    }
  });

  describe("interest in some kinds of a topic's events (job.changed by status)", () => {
    it('an instance that listens for COMPLETED makes the others publish COMPLETED changes and no other', async () => {
      const { instances } = cluster(2);
      stop = instances.map((instance) => () => instance.stop());
      const [subscriber, worker] = instances;
      await subscriber.add('job.changed', ['COMPLETED']);
      const statuses = ['PENDING', 'PROCESSING', 'COMPLETED'];
      expect(statuses.map((status) => worker.wanted('job.changed', status))).toEqual([false, false, true]);
      expect(worker.wanted('job.changed')).toBe(true); // someone listens to some of it
      expect(statuses.map((status) => subscriber.wanted('job.changed', status))).toEqual([false, false, true]);
    });

    it('a listener of every status widens it, and leaving narrows it back', async () => {
      const { instances } = cluster(2);
      stop = instances.map((instance) => () => instance.stop());
      const [subscriber, worker] = instances;
      await subscriber.add('job.changed', ['COMPLETED', 'FAILED']);
      await subscriber.add('job.changed');
      expect(worker.wanted('job.changed', 'PROCESSING')).toBe(true);
      subscriber.remove('job.changed');
      expect(worker.wanted('job.changed', 'PROCESSING')).toBe(false);
      expect(worker.wanted('job.changed', 'FAILED')).toBe(true);
      subscriber.remove('job.changed', ['COMPLETED', 'FAILED']);
      expect(worker.wanted('job.changed')).toBe(false);
    });

    it('counts listeners by status: a status stays wanted until its last listener leaves', async () => {
      const { instances } = cluster(2);
      stop = instances.map((instance) => () => instance.stop());
      const [subscriber, worker] = instances;
      await subscriber.add('job.changed', ['COMPLETED']);
      await subscriber.add('job.changed', ['COMPLETED', 'CANCELLED']);
      subscriber.remove('job.changed', ['COMPLETED', 'CANCELLED']);
      expect(['COMPLETED', 'CANCELLED'].map((status) => worker.wanted('job.changed', status))).toEqual([true, false]);
      subscriber.remove('job.changed', ['COMPLETED']);
      expect(worker.wanted('job.changed', 'COMPLETED')).toBe(false);
    });

    it('an empty list of kinds asks for nothing', async () => {
      const { instances } = cluster(2);
      stop = instances.map((instance) => () => instance.stop());
      const [subscriber, worker] = instances;
      await subscriber.add('job.changed', []);
      expect([subscriber.wanted('job.changed'), worker.wanted('job.changed')]).toEqual([false, false]);
    });

    it('an instance of a version without `only` is believed to want every event of its topics', () => {
      const { instances } = cluster(1);
      stop = instances.map((instance) => () => instance.stop());
      const [worker] = instances;
      worker.receive({ origin: 'older-version', topics: ['job.changed'], seq: 1 });
      expect(worker.wanted('job.changed', 'PROCESSING')).toBe(true);
      worker.receive({ origin: 'older-version', topics: ['job.changed'], only: { 'job.changed': ['FAILED'] }, seq: 2 });
      expect(worker.wanted('job.changed', 'PROCESSING')).toBe(false); // control: the same instance, narrowed
    });
  });
});
