import 'reflect-metadata';
import { storageContents, upload } from '../support/api-helpers';
import { databaseLabel, type TestDatabase } from '../support/database';
import { jsonBodyOf, openDescriptors, openRawUpload, type RawUpload, statusOf } from '../support/raw-upload';
import { settlesWithin } from '../support/signals';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

const IDLE_TIMEOUT_MS = 1_000;
const ABORTED_UPLOADS = 500;
const BATCH = 50;

/** A file part large enough that the upload is still streaming to disk when the client goes away. */
const filePart = (size: number, filename = 'dropped.txt') => [
  { name: 'file', value: Buffer.alloc(size, 'a'), filename },
];

/** The server's answer and close, or `timedOut` when the connection is still open after `deadlineMs`. */
async function outcome(raw: RawUpload, deadlineMs: number) {
  const closed = await settlesWithin(raw.closed, deadlineMs);
  raw.drop();
  return closed ?? { response: '', byServer: false, timedOut: true };
}

/** Files and rows the service keeps. */
async function keptBy(service: TestApp, database: TestDatabase) {
  return { rows: await service.prisma.client.storedFile.count(), disk: storageContents(database) };
}

describe(`POST /files: uploads dropped mid-body (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  // The default idle timeout (30 s): a short one could cut an upload of a batch before the whole batch reached the disk.
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service, database } = started));
  const kept = () => keptBy(service, database);

  it(`${ABORTED_UPLOADS} uploads dropped mid-body leave no file and no open descriptor behind`, async () => {
    // Descriptors opened lazily by a first upload (database files or connections) belong in the baseline.
    await upload(service, { fields: { enqueue: 'false' } }).expect(201);
    const before = await kept();
    const baseline = openDescriptors();

    for (let sent = 0; sent < ABORTED_UPLOADS; sent += BATCH) {
      const earlier = new Set(storageContents(database).incoming);
      const uploads = await Promise.all(
        Array.from({ length: BATCH }, () => openRawUpload(service.url, filePart(256 * 1024))),
      );
      for (const raw of uploads) raw.send(32 * 1024);
      // Control: each upload has reached the disk (its partial file exists), so each drop below happens mid-file.
      await waitFor(() => storageContents(database).incoming.filter((name) => !earlier.has(name)).length === BATCH);
      for (const raw of uploads) raw.drop();
      await Promise.all(uploads.map((raw) => raw.closed));
    }

    // The server notices each close on its own schedule: wait for the condition, then state it with its figures.
    await waitFor(() => storageContents(database).incoming.length === 0 && openDescriptors() <= baseline, 20_000).catch(
      () => null,
    );
    const descriptorsOverBaseline = Math.max(0, openDescriptors() - baseline);
    expect({ ...(await kept()), descriptorsOverBaseline }).toEqual({ ...before, descriptorsOverBaseline: 0 });
    // The service still serves uploads.
    await upload(service, { fields: { enqueue: 'false' } }).expect(201);
  });
});

describe(`POST /files: stalled uploads (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  useTestApp(
    { queue: { workersEnabled: false, uploadIdleTimeoutMs: IDLE_TIMEOUT_MS } },
    (started) => ({ service, database } = started),
  );
  const kept = () => keptBy(service, database);

  it.each([
    ['goes silent after its first bytes', (_raw: RawUpload) => undefined],
    ['dribbles one byte every 200 ms', (raw: RawUpload) => raw.send(1)],
  ])(
    `a body that %s is answered 408 after the ${IDLE_TIMEOUT_MS} ms idle timeout, the connection closed, nothing kept`,
    async (_case, tick) => {
      const before = await kept();
      const raw = await openRawUpload(service.url, filePart(64 * 1024, 'slow.txt'));
      const started = Date.now();
      raw.send(300); // the part's head and the first bytes of the file
      const dribble = setInterval(() => tick(raw), 200);
      const { response, byServer, timedOut } = { timedOut: false, ...(await outcome(raw, 15_000)) };
      clearInterval(dribble);
      const elapsed = Date.now() - started;

      expect({ timedOut, byServer, status: statusOf(response) }).toEqual({
        timedOut: false,
        byServer: true,
        status: 408,
      });
      expect(jsonBodyOf(response)).toEqual({
        statusCode: 408,
        code: 'REQUEST_TIMEOUT',
        message: `The upload stalled: less than 1024 bytes of the body arrived in ${IDLE_TIMEOUT_MS} ms`,
      });
      // Timing is the point here: not before the timeout, and (generously) not long after it.
      expect(elapsed).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS);
      expect(elapsed).toBeLessThan(IDLE_TIMEOUT_MS + 5_000);
      expect(raw.sent).toBeLessThan(raw.body.length);
      expect(await kept()).toEqual(before);
    },
  );

  it('control: a slow upload that keeps arriving (2 KiB every 200 ms, 2.4 s in all) is not cut', async () => {
    const raw = await openRawUpload(service.url, filePart(24 * 1024, 'slow-but-steady.txt'));
    const started = Date.now();
    const steady = setInterval(() => raw.send(2048), 200);
    const { response } = await outcome(raw, 15_000);
    clearInterval(steady);
    expect(Date.now() - started).toBeGreaterThan(2 * IDLE_TIMEOUT_MS);
    expect(statusOf(response)).toBe(201);
  });
});
