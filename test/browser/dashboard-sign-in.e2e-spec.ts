import { ensureUiBuilt } from '../support/ui-build';
import { openBrowser, type BrowserSession } from '../support/browser';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import { authSettings, HS256_SECRET, signToken, startSignInApp } from '../support/sign-in';
import type { TestApp } from '../support/test-app';
import { textBecomes } from './dashboard-helpers';

const KEY = new TextEncoder().encode(HS256_SECRET);

describe(`The dashboard against a service that requires sign-in (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let session: BrowserSession;
  const consoleErrors: string[] = [];
  let aliceJob: string;

  beforeAll(async () => {
    await ensureUiBuilt('dashboard');
    database = await createTestDatabase();
    service = await startSignInApp(database, authSettings({ jwtSecret: HS256_SECRET }), { maxUploadBytes: 1_000 });
    const db = service.prisma.client;
    aliceJob = await insertJob(db, { status: 'PENDING' });
    const bobJob = await insertJob(db, { status: 'COMPLETED', completedAgoMs: 1_000 });
    await service.prisma.driver.records.overwriteJob(aliceJob, { userId: 'alice', fileName: 'alice-report.txt' });
    await service.prisma.driver.records.overwriteJob(bobJob, { userId: 'bob', fileName: 'bob-notes.txt' });
    session = await openBrowser(service.url);
    session.page.setDefaultTimeout(15_000);
    session.page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
  });
  afterAll(async () => {
    await session?.close();
    await service?.close();
    await database?.drop();
    // Whatever a test did, the page asked no other host for anything (it works offline) and logged no error.
    expect(session.refusedRequests).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    // A CSP refusal, a failed request or a framework warning would show here; the one refused upload does.
    expect(consoleErrors).toEqual([
      'Failed to load resource: the server responded with a status of 413 (Payload Too Large)',
    ]);
  });

  const page = () => session.page;
  const jobLinks = () => page().getByRole('table', { name: 'Jobs' }).getByRole('link');
  const administration = () => page().getByRole('heading', { name: 'Administration' });

  async function signIn(token: string): Promise<void> {
    await page().getByLabel('Sign-in token').fill(token);
    await page().getByRole('button', { name: 'Sign in' }).click();
  }

  it('asks for a token when the service answers UNAUTHENTICATED, and says when one is refused', async () => {
    await page().goto(`${service.url}/dashboard/`);
    await page().getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page().getByRole('heading', { name: 'Jobs', exact: true }).count()).toBe(0);
    await signIn(await signToken({ sub: 'alice' }, KEY, 'HS256', { expiresIn: -60 }));
    await page().getByRole('alert').getByText('That token was not accepted').waitFor();
  });

  it('shows a user only their own jobs, live, and no admin panel; the token lasts the session', async () => {
    await signIn(await signToken({ sub: 'alice' }, KEY, 'HS256'));
    await textBecomes(page().getByRole('status').first(), (text) => text === 'Signed in: your own jobs');
    await textBecomes(page().getByLabel('Total jobs'), (text) => text === '1');
    await textBecomes(jobLinks(), (text) => text === 'alice-report.txt');
    expect(await jobLinks().allTextContents()).toEqual(['alice-report.txt']);
    expect(await administration().count()).toBe(0);

    // Over graphql-ws with the same token: alice's job changes, and her page shows it without a reload.
    const cancelled = await service
      .http()
      .post('/graphql')
      .set('authorization', `Bearer ${await signToken({ sub: 'alice' }, KEY, 'HS256')}`)
      .send({ query: `mutation { cancelJob(id: "${aliceJob}") { status } }` });
    expect(cancelled.body.data.cancelJob.status).toBe('CANCELLED');
    await textBecomes(page().getByLabel('CANCELLED jobs'), (text) => text === '1');

    await page().reload();
    await textBecomes(page().getByRole('status').first(), (text) => text === 'Signed in: your own jobs');

    // Uploads carry the token; one over the service's limit is refused, and the page says so in words.
    await page()
      .getByLabel('Choose files')
      .setInputFiles([
        { name: 'small.txt', mimeType: 'text/plain', buffer: Buffer.from('fits') },
        { name: 'big.txt', mimeType: 'text/plain', buffer: Buffer.alloc(5_000, 'x') },
      ]);
    await page().getByRole('link', { name: 'Open job of small.txt' }).waitFor();
    await textBecomes(
      page().getByRole('listitem').filter({ hasText: 'big.txt' }).getByRole('alert'),
      (text) =>
        text === 'The file is larger than the service accepts. (The file is larger than the limit of 1000 bytes)',
    );
    await textBecomes(jobLinks().first(), (text) => text === 'small.txt');
  });

  it('shows an admin every job and the admin panels', async () => {
    await page().getByRole('button', { name: 'Sign out' }).click();
    await page().getByRole('heading', { name: 'Sign in' }).waitFor();
    await signIn(await signToken({ sub: 'root', roles: ['admin'] }, KEY, 'HS256'));
    await administration().waitFor();
    await page().getByText('No stalled jobs.').waitFor();
    await textBecomes(page().getByLabel('Total jobs'), (text) => text === '3');
    await textBecomes(jobLinks().last(), (text) => text !== '');
    expect((await jobLinks().allTextContents()).sort()).toEqual(['alice-report.txt', 'bob-notes.txt', 'small.txt']);
    await page().getByRole('button', { name: 'Recover stalled jobs' }).click();
    await page().getByRole('status').getByText('0 jobs recovered.').waitFor();
    await page().getByLabel('Older than (hours)').fill('1000');
    await page().getByRole('button', { name: 'Clean up finished jobs' }).click();
    await page().getByRole('status').getByText('0 jobs deleted.').waitFor();
  });
});
