import { Sweep, SweepLock } from '../../src/job-queue/monitoring/sweep-lock';
import { describePostgres, type TestDatabase } from '../support/database';
import { startTestApp, type TestApp, useTestApp } from '../support/test-app';

describePostgres('Sweeps run on one instance at a time (PostgreSQL advisory locks)', () => {
  let first: TestApp;
  let second: TestApp;
  let database: TestDatabase;
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service: first, database } = started));

  beforeAll(async () => {
    second = await startTestApp(database, { queue: { workersEnabled: false } });
  });

  afterAll(async () => {
    await second?.close();
  });

  it('lets a second instance skip a sweep while the first runs it, and run it once the first is done', async () => {
    let release: () => void = () => undefined;
    let markHeld: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (markHeld = resolve));
    const holding = first.app.get(SweepLock).runExclusive(Sweep.CLEANUP, () => {
      markHeld(); // the sweep runs only once the first instance holds the lock
      return new Promise<string>((resolve) => (release = () => resolve('first')));
    });
    try {
      await held;
      expect(await second.app.get(SweepLock).runExclusive(Sweep.CLEANUP, async () => 'second')).toBeUndefined();
      expect(await second.app.get(SweepLock).runExclusive(Sweep.HEALTH_CHECK, async () => 'other sweep')).toBe(
        'other sweep',
      );
    } finally {
      release();
    }
    expect(await holding).toBe('first');
    expect(await second.app.get(SweepLock).runExclusive(Sweep.CLEANUP, async () => 'second')).toBe('second');
  });
});
