import 'reflect-metadata';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { storageContents, upload } from '../support/api-helpers';
import { POSTGRES_URL, type TestDatabase, usingPostgres } from '../support/database';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

/**
 * POST /files while the database cannot take the StoredFile row: whatever the status (503 once connection errors
 * are mapped, 500 before), the file streamed to disk must not stay there, and the next upload after the database is
 * back must succeed.
 */
function uploadDuringOutage(
  label: string,
  outage: { start(database: TestDatabase): Promise<void>; end(database: TestDatabase): Promise<void> },
) {
  describe(`POST /files during a database outage (${label})`, () => {
    let database: TestDatabase;
    let service: TestApp;
    // Declared before useTestApp so that it runs before the database is dropped: never leave it shut after a failure.
    afterAll(async () => database && outage.end(database));
    useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service, database } = started));

    it('answers 5xx, leaves nothing on disk (incoming/ included), and serves the next upload once the database is back', async () => {
      await upload(service).expect(201);
      const rowsBefore = await service.prisma.client.storedFile.count();
      const diskBefore = storageContents(database);

      await outage.start(database);
      const during = await upload(service, { name: 'during-outage.txt', content: 'x'.repeat(100_000) });
      // The answer comes after the clean-up, so the disk is checked at once, not waited on.
      const diskDuring = storageContents(database);
      await outage.end(database);

      expect({ status: during.status >= 500 && during.status < 600, disk: diskDuring }).toEqual({
        status: true,
        disk: diskBefore,
      });
      expect(await service.prisma.client.storedFile.count()).toBe(rowsBefore);
      const after = await upload(service, { name: 'after-outage.txt' }).expect(201);
      expect(storageContents(database)).toEqual({
        stored: [...diskBefore.stored, `${after.body.file.id}.txt`].sort(),
        incoming: [],
      });
    });
  });
}

if (usingPostgres) {
  // An outage of this one database, without touching the shared server: its connections are ended and new ones refused.
  const databaseName = (database: TestDatabase) => new URL(database.url).pathname.slice(1);
  const asAdmin = async (work: (admin: Client) => Promise<unknown>) => {
    const admin = new Client({ connectionString: POSTGRES_URL! });
    await admin.connect();
    try {
      await work(admin);
    } finally {
      await admin.end();
    }
  };
  const outage = {
    start: (database: TestDatabase) =>
      asAdmin(async (admin) => {
        await admin.query(`ALTER DATABASE ${databaseName(database)} WITH ALLOW_CONNECTIONS false`);
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
          databaseName(database),
        ]);
      }),
    end: (database: TestDatabase) =>
      asAdmin((admin) => admin.query(`ALTER DATABASE ${databaseName(database)} WITH ALLOW_CONNECTIONS true`)),
  };
  uploadDuringOutage('PostgreSQL refuses connections', outage);

  describe("POST /files when PostgreSQL goes away between the file's row and its job", () => {
    let database: TestDatabase;
    let service: TestApp;
    const inTestDatabase = async (sql: string) => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    };
    afterAll(async () => database && outage.end(database));
    useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service, database } = started));

    it('removes the file at once, and the row as soon as the database is back', async () => {
      await upload(service).expect(201);
      const rowsBefore = await service.prisma.client.storedFile.count();
      const diskBefore = storageContents(database);
      // The job insert sleeps, which holds the upload between its StoredFile row and its job.
      await inTestDatabase(`CREATE FUNCTION slow_job_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$;
        CREATE TRIGGER slow_job_insert BEFORE INSERT ON job_records FOR EACH ROW EXECUTE FUNCTION slow_job_insert()`);
      const during = upload(service, { name: 'between.txt' }).then((response) => response);
      await waitFor(
        async () =>
          (
            await inTestDatabase(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'`,
            )
          ).length > 0,
      );
      // Control: the row was written, so the outage below strikes between the row and the job.
      expect(Number((await inTestDatabase('SELECT count(*) AS n FROM stored_files'))[0].n)).toBe(rowsBefore + 1);

      await outage.start(database);
      const response = await during;
      const diskDuring = storageContents(database);
      await outage.end(database);
      await inTestDatabase('DROP TRIGGER slow_job_insert ON job_records');

      expect({ status: response.status >= 500 && response.status < 600, disk: diskDuring }).toEqual({
        status: true,
        disk: diskBefore,
      });
      // The row is deleted by the retries that follow the database's return (the first comes after 1 s).
      await waitFor(async () => (await service.prisma.client.storedFile.count()) === rowsBefore).catch(() => null);
      expect(await service.prisma.client.storedFile.count()).toBe(rowsBefore);
      await upload(service, { name: 'after.txt' }).expect(201);
    });
  });
} else {
  // SQLite cannot be switched off under an open connection; what production meets is a database another process
  // holds locked (a long write, a backup): the insert waits out the busy timeout (10 s) and fails with SQLITE_BUSY.
  let locker: Database.Database | null = null;
  uploadDuringOutage('SQLite locked by another connection', {
    start: async (database) => {
      locker = new Database(database.url.slice('file:'.length));
      locker.exec('BEGIN EXCLUSIVE');
    },
    end: async () => {
      if (locker?.inTransaction) locker.exec('ROLLBACK');
      locker?.close();
      locker = null;
    },
  });
}
