// The callbacks given to page.evaluate run in the browser, on its DOM.
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import { openBrowser, saveScreenshot, type BrowserSession } from '../support/browser';
import { databaseLabel } from '../support/database';
import { authSettings, HS256_SECRET, hs256 } from '../support/sign-in';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';
import { ensureUiBuilt } from '../support/ui-build';

/** The response pane as plain text (monaco draws spaces as no-break spaces). */
async function responseText(page: Page): Promise<string> {
  return ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\u00a0/g, ' ');
}

/** Opens /graphiql and waits for the query editor to show the default operations. */
async function openGraphiql(page: Page, serviceUrl: string): Promise<void> {
  await page.goto(`${serviceUrl}/graphiql`);
  await page.locator('.graphiql-query-editor .view-lines').filter({ hasText: 'query Overview' }).waitFor();
}

/** Runs one of the editor's operations with the Run button (GraphiQL asks which when there are several). */
async function run(page: Page, operationName: string): Promise<void> {
  await page.locator('.graphiql-execute-button').click();
  await page.getByRole('menuitem', { name: operationName }).click();
}

/** Waits until the response pane matches `pattern`. */
const responseShows = (page: Page, pattern: RegExp) => waitFor(async () => pattern.test(await responseText(page)));

describe(`GraphiQL at /graphiql, offline (${databaseLabel})`, () => {
  let service: TestApp;
  let session: BrowserSession;
  const cspViolations: string[] = [];

  beforeAll(() => ensureUiBuilt('graphiql'));
  // Health checked every 300 ms: queueHealthChanged then sends a new result (a new checkedAt) that often.
  useTestApp({ queue: { healthCheckIntervalMs: 300 } }, (started) => ({ service } = started));
  beforeAll(async () => {
    session = await openBrowser(service.url);
    session.page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
  });
  afterAll(() => session?.close());

  it('loads from the service alone, runs a query over HTTP and a subscription over graphql-ws', async () => {
    const { page } = session;
    await openGraphiql(page, service.url);
    // monaco's GraphQL language worker, a file of the build, starts under the page's worker-src 'self'.
    await waitFor(() => page.workers().some((worker) => /graphql\.worker-[\w-]+\.js$/.test(worker.url())));

    await run(page, 'Overview');
    await responseShows(page, /"status": "HEALTHY"/);
    expect(await responseText(page)).toMatch(/"successRate"/);

    // The first event is the current health; a later one carries a later checkedAt: the socket stays live.
    await run(page, 'Health');
    const checkedAt = async () => /"checkedAt": "([^"]+)"/.exec(await responseText(page))?.[1];
    const first = await waitFor(checkedAt);
    await waitFor(async () => {
      const latest = await checkedAt();
      return latest !== undefined && latest > first;
    });
    expect(await responseText(page)).toMatch(/"queueHealthChanged"/);
    await saveScreenshot(page, 'graphiql');

    expect(session.refusedRequests).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});

describe(`GraphiQL against a service that requires sign-in (${databaseLabel})`, () => {
  let service: TestApp;
  let session: BrowserSession;

  beforeAll(() => ensureUiBuilt('graphiql'));
  useTestApp(
    { app: { auth: authSettings({ jwtSecret: HS256_SECRET }) }, queue: { workersEnabled: false } },
    (started) => ({ service } = started),
  );
  beforeAll(async () => (session = await openBrowser(service.url)));
  afterAll(() => session?.close());

  it("sends the Headers editor's Authorization over HTTP and as graphql-ws connectionParams", async () => {
    const token = await hs256({ sub: 'ada', roles: ['admin'] });
    const { page } = session;
    // Signed in on the dashboard in this tab: GraphiQL starts with the token in its Headers editor.
    await page.addInitScript((value) => sessionStorage.setItem('file-jobs-token', value), token);
    await openGraphiql(page, service.url);
    await page.locator('.graphiql-editor-tool .view-lines').filter({ hasText: 'Bearer' }).waitFor();

    await run(page, 'Overview');
    await responseShows(page, /"status": "HEALTHY"/);
    // queueHealthChanged is for admins only: the socket signed in with the header's token.
    await run(page, 'Health');
    await responseShows(page, /"queueHealthChanged": \{\s*"status": "HEALTHY"/);

    // Without the header, the same query is refused.
    const anonymous = await session.context.newPage();
    await openGraphiql(anonymous, service.url);
    await run(anonymous, 'Overview');
    await responseShows(anonymous, /UNAUTHENTICATED/);
    expect(session.refusedRequests).toEqual([]);
  });
});
