import { Module } from '@nestjs/common';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { AppModule } from '../../src/app.module';
import type { AppConfig } from '../../src/config/environment';
import { storageContents } from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { launchTestApp, type TestApp } from '../support/test-app';

const APP_ORIGIN = 'https://app.example.com';
const EVIL_ORIGIN = 'http://evil.example';
const METRICS_TOKEN = 'scrape-token-of-the-prometheus-job';
const INTROSPECTION = '{ __schema { queryType { name } } }';

/** The standalone AppModule with these settings (no sign-in: every caller the anonymous admin, as CSRF victims are). */
function startApp(database: TestDatabase, settings: Partial<AppConfig>): Promise<TestApp> {
  @Module({
    imports: [
      AppModule.forRoot({
        port: 0,
        production: false,
        ...settings,
        jobQueue: {
          databaseUrl: database.url,
          storageDir: `${database.dir}/files`,
          workersEnabled: false,
          shutdownTimeoutMs: 5_000,
        },
      }),
    ],
  })
  class OriginsHostModule {}
  return launchTestApp(OriginsHostModule);
}

/** Opens a graphql-ws connection whose upgrade request carries `origin`; resolves acknowledged, or the close code. */
function connectFrom(app: TestApp, origin?: string): Promise<{ acknowledged: boolean; closeCode?: number }> {
  class OriginWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, origin ? { origin } : {});
    }
  }
  return new Promise((resolve) => {
    const client = createClient({
      url: `${app.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: OriginWebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: {
        connected: () => {
          resolve({ acknowledged: true });
          void client.dispose();
        },
        closed: (event) => resolve({ acknowledged: false, closeCode: (event as { code: number }).code }),
      },
    });
  });
}

const uploadFrom = (app: TestApp, origin?: string) => {
  const post = app.http().post('/files');
  if (origin) post.set('Origin', origin);
  return post.attach('file', Buffer.from('CONFIDENTIAL salary of alice'), 'salary.txt');
};

describe(`CORS, origins and production defaults (${databaseLabel})`, () => {
  let database: TestDatabase;
  let app: TestApp;
  let production: TestApp;
  let productionOverridden: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startApp(database, { corsOrigins: [APP_ORIGIN], metricsToken: METRICS_TOKEN });
    production = await startApp(database, { production: true });
    productionOverridden = await startApp(database, {
      production: true,
      graphqlIntrospection: true,
      graphqlLandingPage: true,
      graphqlDebug: true,
    });
  });
  afterAll(async () => {
    await Promise.all([app, production, productionOverridden].map((started) => started?.close()));
    await database?.drop();
  });

  it('POST /files: refused (403, nothing stored) from an origin outside CORS_ORIGINS; accepted from a listed one and without Origin', async () => {
    const refused = await uploadFrom(app, EVIL_ORIGIN).expect(403);
    expect(refused.body).toEqual({
      statusCode: 403,
      code: 'FORBIDDEN',
      message: `Origin ${EVIL_ORIGIN} is not allowed (CORS_ORIGINS)`,
    });
    expect(await app.prisma.client.storedFile.count()).toBe(0);
    expect(storageContents(database).stored).toEqual([]);
    await uploadFrom(app, 'null').expect(403); // sandboxed frames and file:// pages send "null"

    const allowed = await uploadFrom(app, APP_ORIGIN).expect(201);
    expect(allowed.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    await uploadFrom(app).expect(201); // curl, servers
    expect(await app.prisma.client.storedFile.count()).toBe(2);
  });

  it('answers a preflight OPTIONS /graphql for a listed origin, and gives an unlisted one no CORS header', async () => {
    const preflight = (origin: string) =>
      app.http().options('/graphql').set({
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,authorization',
      });
    const allowed = await preflight(APP_ORIGIN).expect(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': APP_ORIGIN,
      'access-control-allow-methods': 'GET,POST,OPTIONS',
      'access-control-allow-headers': 'content-type,authorization',
      'access-control-max-age': '600',
    });
    const refused = await preflight(EVIL_ORIGIN);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();

    // The same single policy on the other routes.
    for (const path of ['/health', '/health/live']) {
      const response = await app.http().get(path).set('Origin', APP_ORIGIN);
      expect([path, response.headers['access-control-allow-origin']]).toEqual([path, APP_ORIGIN]);
    }
    const graphql = await app
      .http()
      .post('/graphql')
      .set('Origin', APP_ORIGIN)
      .send({ query: '{ __typename }' })
      .expect(200);
    expect(graphql.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });

  it('graphql-ws: a connection from a listed origin or without Origin is acknowledged; from another origin closed with 4403', async () => {
    expect(await connectFrom(app, APP_ORIGIN)).toEqual({ acknowledged: true });
    expect(await connectFrom(app)).toEqual({ acknowledged: true });
    expect(await connectFrom(app, EVIL_ORIGIN)).toEqual({ acknowledged: false, closeCode: 4403 });
    // No CORS_ORIGINS at all: no other browser origin may connect; the server's own origin (its landing page) may.
    expect(await connectFrom(production, APP_ORIGIN)).toEqual({ acknowledged: false, closeCode: 4403 });
    expect(await connectFrom(production, production.url)).toEqual({ acknowledged: true });
  });

  it('GET /metrics with METRICS_TOKEN: 401 without the token or with a wrong one, 200 with it; open without the setting', async () => {
    const missing = await app.http().get('/metrics').expect(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(missing.body).toMatchObject({ code: 'UNAUTHENTICATED' });
    await app.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
    await app.http().get('/metrics').set('Authorization', METRICS_TOKEN).expect(401); // not a Bearer credential
    const scraped = await app.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(scraped.text).toContain('# TYPE');
    await production.http().get('/metrics').expect(200);
  });

  it('introspection and the landing page: on outside production, off in production, on again with the overrides', async () => {
    expect((await app.gql(INTROSPECTION)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const refused = await production.gql(INTROSPECTION);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await productionOverridden.gql(INTROSPECTION)).data).toEqual({
      __schema: { queryType: { name: 'Query' } },
    });

    const landingPage = (target: TestApp) => target.http().get('/graphql').set('Accept', 'text/html');
    expect((await landingPage(app).expect(200)).text).toContain('<!DOCTYPE html>');
    expect((await landingPage(production)).text).not.toContain('<!DOCTYPE html>');
    expect((await landingPage(productionOverridden).expect(200)).text).toContain('<!DOCTYPE html>');
  });

  it('in production no error a client receives carries a stack trace or a server path', async () => {
    const graphql = await production.http().post('/graphql').send({ query: '{ job(id: "no-such-job") { id } nope }' });
    const rest = await production
      .http()
      .post('/files')
      .set('Content-Type', 'application/json')
      .send({ file: 'x' })
      .expect(415);
    const notFound = await production.http().get('/no-such-route').expect(404);
    for (const body of [graphql.text, rest.text, notFound.text]) {
      expect(body).not.toMatch(/stacktrace|"stack"|\s+at .+:\d+:\d+|node_modules|\/src\//);
      expect(body).not.toContain(process.cwd());
    }
    expect(graphql.body.errors.length).toBeGreaterThan(0);
    // Control: the same request with GRAPHQL_DEBUG=true, asked for on purpose, does show the stack, and is caught.
    const debugged = await productionOverridden
      .http()
      .post('/graphql')
      .send({ query: '{ job(id: "no-such-job") { id } nope }' });
    expect(debugged.text).toMatch(/stacktrace/);
  });
});
