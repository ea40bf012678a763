import { FileStorageService } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { insertFile } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const JOBS_OF_ONE_FILE = 50;

/**
 * A worker resolves each job's file to a path before it runs. A claim hands it many jobs of one file at once (a bulk
 * enqueue of one upload): they must cost one query, not one each. Against the real database, counting the driver's
 * lookups (the spy calls through). Without the shared lookup, the first case counted 50.
 */
describe(`The path of a stored file, looked up for many jobs at once (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let storage: FileStorageService;
  let lookups: jest.SpyInstance;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    storage = service.app.get(FileStorageService);
    lookups = jest.spyOn(service.prisma.driver, 'findFiles');
  });
  afterEach(() => lookups.mockClear());
  afterAll(async () => {
    lookups?.mockRestore();
    await service?.close();
    await database?.drop();
  });

  it('sends one query for the jobs of one file that start together, and none once it is known', async () => {
    const fileId = await insertFile(service.prisma.client, storage.root);
    const paths = await Promise.all(Array.from({ length: JOBS_OF_ONE_FILE }, () => storage.pathOfFile(fileId)));
    expect(new Set(paths)).toEqual(new Set([`${storage.root}/${fileId}.txt`]));
    expect(lookups).toHaveBeenCalledTimes(1);

    expect(await storage.pathOfFile(fileId)).toBe(paths[0]);
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('looks up each file of its own', async () => {
    const fileIds = [await insertFile(service.prisma.client, storage.root), await insertFile(service.prisma.client)];
    const paths = await Promise.all([...fileIds, ...fileIds].map((fileId) => storage.pathOfFile(fileId)));
    // The second file has a row but no content: null, as for a missing row.
    expect(paths).toEqual([`${storage.root}/${fileIds[0]}.txt`, null, `${storage.root}/${fileIds[0]}.txt`, null]);
    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('remembers neither a missing file nor a failed lookup: the next job asks again', async () => {
    expect(await storage.pathOfFile('file_never_stored')).toBeNull();
    expect(await storage.pathOfFile('file_never_stored')).toBeNull();
    expect(lookups).toHaveBeenCalledTimes(2);

    const fileId = await insertFile(service.prisma.client, storage.root);
    lookups.mockRejectedValueOnce(new Error('connection lost'));
    const together = [storage.pathOfFile(fileId), storage.pathOfFile(fileId)];
    await expect(Promise.all(together)).rejects.toThrow('connection lost');
    expect(lookups).toHaveBeenCalledTimes(3);
    expect(await storage.pathOfFile(fileId)).toBe(`${storage.root}/${fileId}.txt`);
    expect(lookups).toHaveBeenCalledTimes(4);
  });
});
