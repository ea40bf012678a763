import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { exportJWK, generateKeyPair, type JWTPayload, type KeyLike, SignJWT } from 'jose';
import WebSocket from 'ws';
import type { AuthSettings } from '../../src/auth/auth-settings';
import type { JobQueueModuleOptions } from '../../src/job-queue';
import type { TestDatabase } from './database';
import { startTestApp, type TestApp } from './test-app';

export const HS256_SECRET = 'test-secret-of-at-least-thirty-two-bytes!';
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'file-jobs';

export function authSettings(overrides: Partial<AuthSettings>): AuthSettings {
  return { adminClaim: 'roles', disabled: false, ...overrides };
}

/** The standalone AppModule as main.ts builds it, with these AUTH_* settings, on the test database (no workers). */
export function startSignInApp(
  database: TestDatabase,
  auth: AuthSettings,
  queue: JobQueueModuleOptions = {},
): Promise<TestApp> {
  return startTestApp(database, { app: { auth }, queue: { workersEnabled: false, ...queue } });
}

export interface TokenOptions {
  /** Seconds from now; negative for a token that has expired. Default 600. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
}

/** Signs a JWT with `claims` (sub, roles...) the way an identity provider would. */
export function signToken(
  claims: JWTPayload,
  key: KeyLike | Uint8Array,
  alg: string,
  options: TokenOptions = {},
  kid?: string,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg, ...(kid && { kid }) })
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 600))
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .sign(key);
}

export const hs256 = (claims: JWTPayload, options?: TokenOptions, secret = HS256_SECRET) =>
  signToken(claims, new TextEncoder().encode(secret), 'HS256', options);

/** An identity provider's JWKS served on 127.0.0.1 by the test: an ES256 key pair, the public half published. */
export async function startJwksServer(): Promise<{
  url: string;
  sign(claims: JWTPayload, options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const kid = 'test-key-1';
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  const server = createServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    sign: (claims, options) => signToken(claims, privateKey, 'ES256', options, kid),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Writes an AUTH_API_KEYS_FILE holding the SHA-256 of each key; returns its path. */
export function writeApiKeyFile(dir: string, keys: { key: string; userId: string; admin?: boolean }[]): string {
  const file = path.join(dir, 'api-keys.txt');
  const lines = keys.map(
    ({ key, userId, admin }) => `${createHash('sha256').update(key).digest('hex')} ${userId}${admin ? ' admin' : ''}`,
  );
  writeFileSync(file, `# service keys, written by the test\n${lines.join('\n')}\n`);
  return file;
}

/** A graphql-ws client sending `connectionParams` at connection_init and `headers` on the upgrade request. */
export function signedWsClient(
  app: TestApp,
  connectionParams?: Record<string, unknown>,
  headers?: IncomingHttpHeaders,
): Client {
  class HeaderWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: headers as Record<string, string> });
    }
  }
  return createClient({
    url: `${app.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: HeaderWebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
  });
}
