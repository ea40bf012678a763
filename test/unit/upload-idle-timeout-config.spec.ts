import { loadConfig } from '../../src/config/environment';
import { resolveJobQueueOptions } from '../../src/job-queue/job-queue.options';

describe('UPLOAD_IDLE_TIMEOUT_MS (src/config/environment.ts)', () => {
  it('unset, takes the module default of 30 s', () => {
    expect(loadConfig({}).jobQueue.uploadIdleTimeoutMs).toBe(30_000);
    expect(resolveJobQueueOptions(loadConfig({}).jobQueue).uploadIdleTimeoutMs).toBe(30_000);
  });

  it('reads a whole number of milliseconds', () => {
    expect(resolveJobQueueOptions(loadConfig({ UPLOAD_IDLE_TIMEOUT_MS: ' 5000 ' }).jobQueue).uploadIdleTimeoutMs).toBe(
      5_000,
    );
  });

  it.each(['0', '99', '3600001', '1.5', 'soon'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ UPLOAD_IDLE_TIMEOUT_MS: value })).toThrow(
      `UPLOAD_IDLE_TIMEOUT_MS must be a whole number from 100 to 3600000, got "${value}"`,
    );
  });
});
