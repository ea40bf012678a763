import { loadConfig } from '../../src/config/environment';

/** RATE_LIMIT_*, GRAPHQL_WS_MAX_* and GRAPHQL_MAX_BODY_BYTES: read, 0 turning a rate limit or cap off, bad values named. */
describe('abuse-limit settings (src/config/environment.ts)', () => {
  it('reads each setting, 0 included (off)', () => {
    const config = loadConfig({
      RATE_LIMIT_MUTATIONS_PER_MINUTE: '0',
      RATE_LIMIT_UPLOADS_PER_MINUTE: '10',
      GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER: '0',
      GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER: '7',
      GRAPHQL_MAX_BODY_BYTES: '1048576',
    });
    expect(config.rateLimits).toEqual({ mutationsPerMinute: 0, uploadsPerMinute: 10 });
    expect(config.wsLimits).toEqual({ maxConnectionsPerCaller: 0, maxSubscriptionsPerCaller: 7 });
    expect(config.maxJsonBodyBytes).toBe(1_048_576);
  });

  it('names every bad value at once', () => {
    const env = {
      RATE_LIMIT_MUTATIONS_PER_MINUTE: '-1',
      RATE_LIMIT_UPLOADS_PER_MINUTE: 'many',
      GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER: '1.5',
      GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER: '',
      GRAPHQL_MAX_BODY_BYTES: '100',
    };
    expect(() => loadConfig(env)).toThrow(
      [
        'Invalid configuration:',
        '  - RATE_LIMIT_MUTATIONS_PER_MINUTE must be a whole number from 0 to 1000000, got "-1"',
        '  - RATE_LIMIT_UPLOADS_PER_MINUTE must be a whole number from 0 to 1000000, got "many"',
        '  - GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER must be a whole number from 0 to 1000000, got "1.5"',
        '  - GRAPHQL_MAX_BODY_BYTES must be a whole number from 1024 to 104857600, got "100"',
      ].join('\n'),
    );
  });
});
