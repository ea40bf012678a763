import { loadConfig } from '../../src/config/environment';

describe('GRAPHQL_DEBUG (src/config/environment.ts)', () => {
  it.each([
    [{}, undefined],
    [{ GRAPHQL_DEBUG: ' ' }, undefined],
    [{ GRAPHQL_DEBUG: 'true' }, true],
    [{ GRAPHQL_DEBUG: 'false' }, false],
    [{ GRAPHQL_DEBUG: 'true', NODE_ENV: 'production' }, true],
  ])('%j: graphqlDebug %s (stack traces only when true)', (env, expected) => {
    expect(loadConfig(env).graphqlDebug).toBe(expected);
  });

  it('a value that is no boolean is a configuration problem naming the variable', () => {
    expect(() => loadConfig({ GRAPHQL_DEBUG: 'verbose' })).toThrow(
      'GRAPHQL_DEBUG must be true or false, got "verbose"',
    );
  });
});
