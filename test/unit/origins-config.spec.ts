import { loadConfig } from '../../src/config/environment';
import { originAllowed } from '../../src/http-security/origins';

describe('CORS_ORIGINS, METRICS_TOKEN, GRAPHQL_INTROSPECTION / GRAPHQL_LANDING_PAGE (src/config/environment.ts)', () => {
  it('CORS_ORIGINS: none by default; a comma list of origins, trimmed', () => {
    expect(loadConfig({}).corsOrigins).toBeUndefined();
    expect(loadConfig({ CORS_ORIGINS: ' , ' }).corsOrigins).toBeUndefined();
    expect(loadConfig({ CORS_ORIGINS: ' https://app.example.com , http://localhost:5173,' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each([
    'https://app.example.com/',
    'https://app.example.com/path',
    'app.example.com',
    '*',
    'ftp://files.example.com',
    'https://user@app.example.com',
  ])('CORS_ORIGINS entry %j is not an origin: a configuration problem naming the variable', (entry) => {
    expect(() => loadConfig({ CORS_ORIGINS: `https://ok.example.com,${entry}` })).toThrow(
      `CORS_ORIGINS must list origins like https://app.example.com`,
    );
  });

  it('an Origin passes when absent or listed exactly; "null" and near misses do not', () => {
    const allowed = ['https://app.example.com'];
    expect(originAllowed(allowed, undefined)).toBe(true);
    expect(originAllowed(allowed, 'https://app.example.com')).toBe(true);
    for (const origin of [
      'null',
      'http://app.example.com',
      'https://app.example.com.evil.example',
      'https://app.example.com:8443',
    ]) {
      expect([origin, originAllowed(allowed, origin, 'api.example.com')]).toEqual([origin, false]);
    }
    // The server's own origin (same host as the Host header the browser connected to).
    expect(originAllowed([], 'https://api.example.com', 'api.example.com')).toBe(true);
    expect(originAllowed([], 'https://api.example.com:8443', 'api.example.com')).toBe(false);
  });

  it('METRICS_TOKEN: unset or blank leaves /metrics open', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: '  ' }).metricsToken).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'scrape' }).metricsToken).toBe('scrape');
  });

  it('GRAPHQL_INTROSPECTION / GRAPHQL_LANDING_PAGE: unset follows NODE_ENV (undefined), else an explicit boolean', () => {
    expect(loadConfig({ NODE_ENV: 'production' })).toMatchObject({
      production: true,
      graphqlIntrospection: undefined,
      graphqlLandingPage: undefined,
    });
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'true', GRAPHQL_LANDING_PAGE: 'false' })).toMatchObject({
      graphqlIntrospection: true,
      graphqlLandingPage: false,
    });
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'sometimes' })).toThrow(
      'GRAPHQL_INTROSPECTION must be true or false, got "sometimes"',
    );
  });
});
