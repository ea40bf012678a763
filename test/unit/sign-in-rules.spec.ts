import type { Request } from 'express';
import { hasAdminClaim } from '../../src/auth/admin-claim';
import { signInAtStartup } from '../../src/auth/auth-settings';
import { presentedCredential } from '../../src/auth/credentials';
import type { CallerContext } from '../../src/job-queue';

describe('the admin claim (src/auth/admin-claim.ts)', () => {
  it.each([
    [{ roles: 'admin' }, true],
    [{ roles: ['user', 'admin'] }, true],
    [{ roles: 'administrator' }, false],
    [{ roles: ['Admin'] }, false],
    [{ roles: 'user admin' }, false],
    [{ roles: { admin: true } }, false],
    [{ groups: ['admin'] }, false],
    [{}, false],
  ])('%j under "roles": admin %s', (payload, expected) => {
    expect(hasAdminClaim(payload, 'roles')).toBe(expected);
  });

  it('reads the claim by its exact name, dots included (namespaced claims)', () => {
    expect(hasAdminClaim({ 'https://example.com/roles': ['admin'] }, 'https://example.com/roles')).toBe(true);
    expect(hasAdminClaim({ realm_access: { roles: ['admin'] } }, 'realm_access.roles')).toBe(false);
  });
});

describe('the presented credential (src/auth/credentials.ts)', () => {
  const http = (headers: Record<string, string | string[]>): CallerContext => ({
    transport: 'http',
    request: { headers } as unknown as Request,
  });
  const ws = (
    connectionParams: Record<string, unknown> | undefined,
    headers: Record<string, string> = {},
  ): CallerContext => ({ transport: 'ws', connectionParams, request: { headers } }) as unknown as CallerContext;

  it.each([
    [http({ authorization: 'Bearer abc.def.ghi' }), { kind: 'bearer', value: 'abc.def.ghi' }],
    [http({ authorization: 'bearer  key-1 ' }), { kind: 'bearer', value: 'key-1' }],
    [http({ 'x-api-key': ' key-2 ' }), { kind: 'api-key', value: 'key-2' }],
    [http({ 'x-api-key': ['a', 'b'] }), { kind: 'api-key', value: '' }],
    [http({}), undefined],
    [ws({ authorization: 'Bearer t1' }, { authorization: 'Bearer t2' }), { kind: 'bearer', value: 't1' }],
    [ws({ authorization: 't3' }), { kind: 'bearer', value: 't3' }],
    [ws({ authorization: 42 }), { kind: 'bearer', value: '' }],
    [ws(undefined, { authorization: 'Bearer t4' }), { kind: 'bearer', value: 't4' }],
    [ws({}, { 'x-api-key': 'k' }), { kind: 'api-key', value: 'k' }],
    [ws(undefined), undefined],
  ])('%#: %j', (context, expected) => {
    expect(presentedCredential(context)).toEqual(expected);
  });
});

describe('sign-in at start-up (src/auth/auth-settings.ts)', () => {
  const none = { adminClaim: 'roles', disabled: false };
  it('refuses production without a setting, naming each that would let it start', () => {
    const { refusal } = signInAtStartup(none, true);
    for (const name of ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_API_KEYS_FILE', 'AUTH_DISABLED=true'])
      expect(refusal).toContain(name);
  });
  it('warns, without refusing, outside production or when disabled on purpose', () => {
    expect(signInAtStartup(none, false)).toEqual({ warning: expect.stringContaining('anonymous administrator') });
    expect(signInAtStartup({ ...none, disabled: true }, true)).toEqual({
      warning: expect.stringContaining('AUTH_DISABLED=true'),
    });
    expect(signInAtStartup({ ...none, apiKeysFile: '/keys' }, true)).toEqual({});
  });
});
