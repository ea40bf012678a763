// The callbacks given to page.evaluate run in the browser, on its DOM.
/// <reference lib="dom" />
import { databaseLabel } from '../support/database';
import { upload } from '../support/api-helpers';
import { openBrowser, saveScreenshot, type BrowserSession } from '../support/browser';
import { insertJob } from '../support/fixtures';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';
import { ensureUiBuilt } from '../support/ui-build';
import { JobUpdatesService } from '../../src/job-queue/jobs/job-updates.service';
import { GradualProcessor, textBecomes, WaitsForCancelProcessor } from './dashboard-helpers';

describe(`The dashboard in Chromium against a live service (${databaseLabel})`, () => {
  let service: TestApp;
  let session: BrowserSession;
  const consoleErrors: string[] = [];
  beforeAll(() => ensureUiBuilt('dashboard'));
  // Declared before useTestApp, whose afterAll stops the service: Jest runs afterAll hooks in the order they are
  // declared, and a page still open while the service stopped read again as its socket dropped, and logged the
  // refused request ("Failed to load resource: net::ERR_CONNECTION_REFUSED", once in a full PostgreSQL run).
  afterAll(async () => {
    await session?.close();
    // Whatever a test did, the page asked no other host for anything (it works offline) and logged no error.
    expect(session.refusedRequests).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]); // a CSP refusal, a failed request or a framework warning would show here
  });
  useTestApp({ providers: [GradualProcessor, WaitsForCancelProcessor] }, (started) => ({ service } = started));
  beforeAll(async () => {
    session = await openBrowser(service.url);
    session.page.setDefaultTimeout(15_000);
    session.page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    // Keeps the page's WebSockets where a test can close them, as a dropped connection would.
    await session.page.addInitScript(() => {
      const Native = window.WebSocket;
      const opened: WebSocket[] = [];
      (window as unknown as { openSockets: WebSocket[] }).openSockets = opened;
      window.WebSocket = class extends Native {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          opened.push(this);
        }
      };
    });
  });

  const page = () => session.page;
  const count = (status: string) => page().getByLabel(`${status} jobs`, { exact: true });
  const status = () => page().getByLabel('Job status');
  const progressBar = () => page().getByRole('progressbar', { name: 'Job progress' });

  /**
   * Opens a dashboard page once its one jobUpdated subscription is live on the service: the browser is not told
   * when the service has subscribed, and a job that ends before then leaves the page's counts as they were (CI saw
   * "PROCESSING stayed 0"). The previous page's subscription ends first, so the count of 1 is this page's.
   */
  async function visit(path: string): Promise<void> {
    const subscribers = () => service.app.get(JobUpdatesService).subscriberCount;
    await page().goto('about:blank');
    await waitFor(() => subscribers() === 0);
    await page().goto(`${service.url}/dashboard/${path}`);
    await waitFor(() => subscribers() === 1);
  }

  async function openOverview(): Promise<void> {
    await visit('');
    await page().getByRole('heading', { name: 'Queue health' }).waitFor();
  }

  it('shows the overview: health, counts, figures, errors and the chart', async () => {
    await openOverview();
    await textBecomes(page().getByLabel('Health: HEALTHY'), (text) => text === 'HEALTHY');
    await textBecomes(page().getByLabel('Total jobs'), (text) => text === '0');
    for (const heading of ['Jobs by status', 'Performance', 'Errors by code', 'Completions and failures', 'Jobs']) {
      await page().getByRole('heading', { name: heading, exact: true }).waitFor();
    }
    await page()
      .getByRole('img', { name: /^Chart: 0 completed, 0 failed$/ })
      .waitFor();
    // No sign-in configured: every caller is the anonymous admin, so the admin panel shows.
    await page().getByRole('heading', { name: 'Administration' }).waitFor();
  });

  it('uploads a dropped file and follows its progress bar to 100 %', async () => {
    await openOverview();
    const content = 'x'.repeat(30_000);
    const dropped = await page().evaluateHandle((text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], 'dropped.gradual', { type: 'application/octet-stream' }));
      return transfer;
    }, content);
    await page().getByRole('group', { name: 'Drop files here' }).dispatchEvent('drop', { dataTransfer: dropped });
    await waitFor(async () => (await page().getByLabel('Upload of dropped.gradual').getAttribute('value')) === '1');
    await page().getByRole('link', { name: 'Open job of dropped.gradual' }).click();

    const seen = new Set<number>();
    await waitFor(async () => {
      const value = Number(await progressBar().getAttribute('aria-valuenow'));
      seen.add(value);
      return value === 100;
    });
    // The bar moved while the job ran (30 steps over 3 s), not only at the end.
    expect([...seen].some((value) => value > 0 && value < 100)).toBe(true);
    await textBecomes(status(), (text) => text === 'COMPLETED');
    await page().getByText('29.3 KB of 29.3 KB').waitFor();
    await page().getByRole('table', { name: 'Attempts' }).getByRole('cell', { name: 'COMPLETED' }).waitFor();
    await page().getByRole('region', { name: 'Metadata' }).getByText('"steps": 30').waitFor();
    await saveScreenshot(page(), 'dashboard-job');
  });

  it('cancels a running job from its page', async () => {
    const { body } = await upload(service, { name: 'long.waits', content: 'wait for me' }).expect(201);
    const jobId = (body as { job: { id: string } }).job.id;
    await visit(`jobs/${jobId}`);
    await textBecomes(status(), (text) => text === 'PROCESSING');
    await page().getByRole('button', { name: 'Cancel job' }).click();
    await textBecomes(status(), (text) => text === 'CANCELLED');
    expect((await service.gql(`{ job(id: "${jobId}") { status } }`)).data.job.status).toBe('CANCELLED');

    // Retry runs it again (a second attempt), and a second cancel ends it again.
    await page().getByRole('button', { name: 'Retry job' }).click();
    await textBecomes(status(), (text) => text === 'PROCESSING');
    const attempts = page().getByRole('table', { name: 'Attempts' }).locator('tbody tr');
    await waitFor(async () => (await attempts.count()) === 2);
    expect(await attempts.locator('td:first-child').allTextContents()).toEqual(['1', '2 (manual retry)']);
    await page().getByRole('button', { name: 'Cancel job' }).click();
    await textBecomes(status(), (text) => text === 'CANCELLED');

    // Enqueue again: a new job for the same file, whose page opens.
    await page().getByRole('button', { name: 'Enqueue again' }).click();
    await waitFor(() => !page().url().endsWith(jobId));
    await textBecomes(status(), (text) => text === 'PROCESSING');
    const again = page().url().split('/').pop()!;
    await page().getByRole('button', { name: 'Cancel job' }).click();
    await textBecomes(status(), (text) => text === 'CANCELLED');
    const jobs = await service.gql(`{ a: job(id: "${jobId}") { fileId } b: job(id: "${again}") { fileId status } }`);
    expect(jobs.data.b).toEqual({ fileId: jobs.data.a.fileId, status: 'CANCELLED' });
  });

  it('shows a text file’s extracted text, and an unknown job in words', async () => {
    const { body } = await upload(service, { name: 'notes.txt', content: 'first line\nsecond line\n' }).expect(201);
    const jobId = (body as { job: { id: string } }).job.id;
    await visit(`jobs/${jobId}`);
    await textBecomes(page().getByLabel('Extracted text preview'), (text) => text.startsWith('first line'));
    await page().getByRole('region', { name: 'Metadata' }).getByText('"lines": 2').waitFor();

    await visit('jobs/no-such-job');
    await textBecomes(
      page().getByRole('alert'),
      (text) => text === 'That job does not exist, or is not yours. (Job no-such-job not found)',
    );
  });

  it('pages through 50 jobs 20 at a time, filtered by format', async () => {
    for (let index = 0; index < 50; index++) {
      await insertJob(service.prisma.client, { status: 'COMPLETED', format: 'paged', completedAgoMs: 1_000 });
    }
    await openOverview();
    // The read of page 2 is held until the test has looked at the table, as a slow service would hold it: until then
    // the rows on screen are still page 1's (CI once read them as page 2's), and Next must not page on from them.
    let askedForPage2!: () => void;
    let releasePage2!: () => void;
    const page2Asked = new Promise<void>((resolve) => (askedForPage2 = resolve));
    const page2Released = new Promise<void>((resolve) => (releasePage2 = resolve));
    await page().route('**/graphql', async (route) => {
      if ((route.request().postData() ?? '').includes('"after":"')) {
        askedForPage2();
        await page2Released;
      }
      return route.fallback();
    });
    await page().getByLabel('Format').fill('paged');
    const table = page().getByRole('table', { name: 'Jobs' });
    const rows = table.locator('tbody tr');
    const shown = () => rows.evaluateAll((found) => found.map((row) => row.querySelector('a')!.getAttribute('href')!));
    const formatsShown = () => rows.locator('td:nth-child(4)').allTextContents();
    const pageLabel = page().getByRole('navigation', { name: 'Pages of jobs' }).locator('span');
    const next = page().getByRole('button', { name: 'Next page' });
    await textBecomes(pageLabel, (text) => text === 'Page 1 · 50 jobs');
    const pages: string[][] = [];
    for (const pageNumber of [1, 2, 3]) {
      if (pageNumber === 2) {
        await page2Asked;
        expect(await table.getAttribute('aria-busy')).toBe('true');
        expect(await next.isDisabled()).toBe(true);
        expect(await shown()).toEqual(pages[0]);
        releasePage2();
      }
      await textBecomes(pageLabel, (text) => text.startsWith(`Page ${pageNumber}`));
      await waitFor(async () => (await table.getAttribute('aria-busy')) === 'false');
      pages.push(await shown());
      expect(new Set(await formatsShown())).toEqual(new Set(['paged']));
      if (pageNumber < 3) await next.click();
    }
    expect(pages.map((hrefs) => hrefs.length)).toEqual([20, 20, 10]);
    expect(new Set(pages.flat()).size).toBe(50);
    expect(await next.isDisabled()).toBe(true);
    await page().getByRole('button', { name: 'Previous page' }).click();
    await textBecomes(pageLabel, (text) => text.startsWith('Page 2'));

    // Status and priority filters, each a new first page: the cancel test's two cancelled jobs, none of them HIGH.
    await page().getByLabel('Format').fill('');
    await page().getByRole('search').getByLabel('Status').selectOption('CANCELLED');
    await textBecomes(pageLabel, (text) => text === 'Page 1 · 2 jobs');
    await waitFor(async () => (await rows.count()) === 2);
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual(['CANCELLED', 'CANCELLED']);
    await page().getByRole('search').getByLabel('Priority').selectOption('HIGH');
    await textBecomes(pageLabel, (text) => text === 'Page 1 · 0 jobs');
    await page().getByRole('search').getByLabel('Status').selectOption('');
    await page().getByRole('search').getByLabel('Priority').selectOption('');
  });

  it('reads its figures again when its socket reconnects: what changed unseen shows without a reload', async () => {
    await openOverview();
    const before = Number(await textBecomes(count('COMPLETED'), (text) => text !== ''));
    // A change no event announces to the page, as one published while its socket is down never reaches it.
    await insertJob(service.prisma.client, { status: 'COMPLETED', completedAgoMs: 1_000 });
    const [OPEN, CLOSED] = [1, 3]; // WebSocket.readyState
    const sockets = () =>
      page().evaluate(() =>
        (window as unknown as { openSockets: WebSocket[] }).openSockets.map((socket) => socket.readyState),
      );
    expect(await sockets()).toEqual([OPEN]);
    await page().evaluate(() => {
      for (const socket of (window as unknown as { openSockets: WebSocket[] }).openSockets) socket.close(1000);
    });
    // graphql-ws opens a new socket and subscribes again (the service may see it before the old one's end).
    await waitFor(async () => (await sockets()).join() === `${CLOSED},${OPEN}`, 30_000);
    await textBecomes(count('COMPLETED'), (text) => Number(text) === before + 1);
  }, 60_000);

  it('changes the counts live when a job ends, without a reload', async () => {
    await openOverview();
    const before = Number(await textBecomes(count('COMPLETED'), (text) => text !== ''));
    const processing = Number(await textBecomes(count('PROCESSING'), (text) => text !== ''));
    await upload(service, { name: 'live.gradual', content: 'y'.repeat(3_000) }).expect(201);
    await textBecomes(count('PROCESSING'), (text) => Number(text) === processing + 1);
    await textBecomes(count('COMPLETED'), (text) => Number(text) === before + 1);
    await textBecomes(count('PROCESSING'), (text) => Number(text) === processing);
    // The jobs table showed the new job without a reload, and now shows it finished.
    await textBecomes(
      page()
        .getByRole('row', { name: /^live\.gradual / })
        .getByRole('cell')
        .nth(1),
      (text) => text === 'COMPLETED',
    );
    await page()
      .getByRole('img', { name: /^Chart: \d+ completed/ })
      .waitFor();
    await saveScreenshot(page(), 'dashboard-overview');
  });
});
