import { type INestApplication, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { JobQueueModule, type JobQueueModuleOptions } from '../../src/job-queue';
import { WEB_UI_DIST } from '../../src/job-queue/web-ui/web-ui.module';
import { servedPages } from '../../src/served-pages';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { useHostApps } from '../support/host-app';

/** A dist/ of stand-in builds: what is served, not how Vite builds it, is under test here. */
function fakeDist(): string {
  const dist = mkdtempSync(join(tmpdir(), 'web-ui-dist-'));
  for (const ui of ['dashboard', 'graphiql']) {
    mkdirSync(join(dist, ui, 'assets'), { recursive: true });
    writeFileSync(join(dist, ui, 'index.html'), `<!doctype html><title>${ui}</title>`);
    writeFileSync(join(dist, ui, 'assets', 'index-B4x9f2aQ.js'), `console.log('${ui}');`);
    writeFileSync(join(dist, ui, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  }
  writeFileSync(join(dist, 'secret.txt'), 'outside the UI folders');
  return dist;
}

describe(`The built UIs at /dashboard and /graphiql (${databaseLabel})`, () => {
  const databases: TestDatabase[] = [];
  const apps: INestApplication[] = [];
  const dists: string[] = [];

  /** The standalone app (AppModule) reading its UIs from `dist`. */
  async function startWithDist(dist: string, queue: JobQueueModuleOptions = {}): Promise<INestApplication> {
    const database = await createTestDatabase();
    databases.push(database);
    const jobQueue = {
      databaseUrl: database.url,
      storageDir: `${database.dir}/files`,
      workersEnabled: false,
      ...queue,
    };
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ port: 0, production: false, jobQueue })],
    })
      .overrideProvider(WEB_UI_DIST)
      .useValue(dist)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.init();
    return app;
  }

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(databases.splice(0).map((database) => database.drop()));
    for (const dist of dists.splice(0)) rmSync(dist, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('serves index.html revalidated, hashed assets immutable, each under a strict CSP and nosniff', async () => {
    const dist = fakeDist();
    dists.push(dist);
    const http = request((await startWithDist(dist)).getHttpServer());

    for (const path of ['/dashboard', '/dashboard/', '/graphiql', '/graphiql/']) {
      const page = await http.get(path).set('Host', 'queue.example:8080').expect(200);
      expect([path, page.headers['content-type'], page.headers['cache-control']]).toEqual([
        path,
        'text/html; charset=utf-8',
        'no-cache',
      ]);
      expect(page.text).toContain(`<title>${path.split('/')[1]}</title>`);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      const csp = page.headers['content-security-policy'];
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self';");
      // Inline styles only where GraphiQL's editor needs them.
      expect(csp).toContain(path.startsWith('/graphiql') ? "style-src 'self' 'unsafe-inline';" : "style-src 'self';");
      expect(csp).toContain("connect-src 'self' ws://queue.example:8080 wss://queue.example:8080;");
      expect(csp).toContain("frame-ancestors 'none'");
    }

    const asset = await http.get('/dashboard/assets/index-B4x9f2aQ.js').expect(200);
    expect(asset.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-security-policy']).toContain("default-src 'self'");
    const favicon = await http.get('/graphiql/favicon.svg').expect(200);
    expect(favicon.headers['cache-control']).toBe('no-cache');
  });

  it("gives the dashboard's client-side routes index.html, and nothing outside the build folder", async () => {
    const dist = fakeDist();
    dists.push(dist);
    const http = request((await startWithDist(dist)).getHttpServer());

    const route = await http.get('/dashboard/jobs/0b7c9c2e-5d1f-4a8e-9c1e-3f2a6b7d8e9f').expect(200);
    expect(route.text).toContain('<title>dashboard</title>');
    expect(route.headers['cache-control']).toBe('no-cache');
    // A missing file is a 404, not index.html served as JavaScript; GraphiQL has no routes of its own.
    await http.get('/dashboard/assets/index-gone.js').expect(404);
    await http.get('/graphiql/jobs').expect(404);
    for (const escape of [
      '/dashboard/..%2Fsecret.txt',
      '/dashboard/%2E%2E/secret.txt',
      '/dashboard/assets/..%2F..%2Fsecret.txt',
    ]) {
      const answer = await http.get(escape);
      expect([escape, answer.text]).not.toEqual([escape, 'outside the UI folders']);
    }
  });

  it('answers 503 saying to run npm run build when the UIs are not built, and logs it once at start', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'web-ui-empty-'));
    dists.push(empty);
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const app = await startWithDist(empty);
    const http = request(app.getHttpServer());

    for (const path of ['/dashboard', '/dashboard/jobs', '/graphiql/']) {
      const answer = await http.get(path).expect(503);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.text).toMatch(/is not built .*run `npm run build`/);
    }
    const webUiWarnings = warnings.mock.calls.map(([message]) => String(message)).filter((m) => /not built/.test(m));
    expect(webUiWarnings).toEqual([
      expect.stringMatching(/^The dashboard is not built .*dashboard.index\.html is missing/),
      expect.stringMatching(/^GraphiQL is not built .*graphiql.index\.html is missing/),
    ]);
    expect(servedPages(app, { port: 0, production: false, jobQueue: {} })).toBe(
      "GraphQL at /graphql (landing page: Apollo Sandbox, from Apollo's CDN), " +
        'dashboard at /dashboard not built (503 until `npm run build`), ' +
        'GraphiQL at /graphiql not built (503 until `npm run build`)',
    );
  });

  it("links Apollo's landing page on /graphql to /graphiql, and not when GraphiQL is left out", async () => {
    const dist = fakeDist();
    dists.push(dist);
    const landingPage = (app: INestApplication) =>
      request(app.getHttpServer()).get('/graphql').set('Accept', 'text/html').expect(200);

    const page = (await landingPage(await startWithDist(dist))).text;
    const nonce = /<style nonce="?([0-9a-f]+)/.exec(page)?.[1];
    expect(page).toContain(`<style nonce="${nonce}">\n  #graphiql-link`);
    expect(page).toContain('<a id="graphiql-link" href="/graphiql">');

    const withoutExplorer = await startWithDist(dist, { explorer: false });
    expect((await landingPage(withoutExplorer)).text).not.toContain('/graphiql');
    await request(withoutExplorer.getHttpServer()).get('/graphiql').expect(404);
    await request(withoutExplorer.getHttpServer()).get('/dashboard').expect(200);
    // What the start-up log says: GraphiQL is not named.
    expect(servedPages(withoutExplorer, { port: 0, production: false, jobQueue: { explorer: false } })).toBe(
      "GraphQL at /graphql (landing page: Apollo Sandbox, from Apollo's CDN), dashboard at /dashboard",
    );
  });

  describe('in a host app', () => {
    const { queueOptions, startHost } = useHostApps();

    it('leaves /dashboard out with dashboard: false (404), and still serves /graphiql', async () => {
      const app = await startHost(JobQueueModule.forRoot({ ...(await queueOptions()), dashboard: false }));
      await app.http().get('/dashboard').expect(404);
      await app.http().get('/dashboard/jobs').expect(404);
      // 200 when built, 503 when not: either way the route is there.
      expect([200, 503]).toContain((await app.http().get('/graphiql')).status);
    });

    it('leaves both out when forRootAsync is given dashboard: false and explorer: false', async () => {
      const options = await queueOptions();
      const app = await startHost(
        JobQueueModule.forRootAsync({ useFactory: () => options, dashboard: false, explorer: false }),
      );
      await app.http().get('/dashboard').expect(404);
      await app.http().get('/graphiql').expect(404);
    });
  });
});
