import path from 'node:path';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { within } from '../support/slow-host-process';
import { spawnServer, START_TIMEOUT_MS } from '../support/standalone-server';

const AUTH_SETTINGS = ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_API_KEYS_FILE', 'AUTH_DISABLED'];

interface StartOutcome {
  code: number | null;
  output: string;
  /** The server printed its "Listening on" line (it was then stopped by the test). */
  listened: boolean;
}

/** Runs src/main.ts (ts-node) as `npm start` would, with no AUTH_* setting but those given; stops it once it listens. */
function startServer(database: TestDatabase, env: Record<string, string>): Promise<StartOutcome> {
  const child = spawnServer(database, env, ['AUTH_']);
  let output = '';
  let listened = false;
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (!listened && output.includes('Listening on')) {
      listened = true;
      child.kill('SIGTERM');
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<StartOutcome>((resolve) =>
    child.once('exit', (code) => resolve({ code, output, listened })),
  );
  return within(exited, 60_000, 'the server to exit').finally(() => child.kill('SIGKILL'));
}

describe(`Production start without sign-in settings (${databaseLabel})`, () => {
  let database: TestDatabase;
  beforeAll(async () => (database = await createTestDatabase()));
  afterAll(() => database?.drop());

  it(
    'exits non-zero before listening, with a message naming every setting that would let it start',
    async () => {
      const outcome = await startServer(database, { NODE_ENV: 'production' });
      expect(outcome.listened).toBe(false);
      expect(outcome.code).toBe(1);
      for (const setting of AUTH_SETTINGS) expect(outcome.output).toContain(setting);
    },
    START_TIMEOUT_MS,
  );

  it(
    'a sign-in setting that cannot be used stops start-up with a message naming it',
    async () => {
      const missingFile = path.join(database.dir, 'no-such-keys.txt');
      const outcome = await startServer(database, {
        NODE_ENV: 'production',
        AUTH_API_KEYS_FILE: missingFile,
        AUTH_JWT_SECRET: 'short',
      });
      expect(outcome).toMatchObject({ listened: false, code: 1 });
      expect(outcome.output).toContain('AUTH_JWT_SECRET must be at least 32 bytes long');
      const unreadable = await startServer(database, { NODE_ENV: 'production', AUTH_API_KEYS_FILE: missingFile });
      expect(unreadable).toMatchObject({ listened: false, code: 1 });
      expect(unreadable.output).toContain(`AUTH_API_KEYS_FILE cannot be read (${missingFile}): ENOENT`);
    },
    START_TIMEOUT_MS,
  );

  it(
    'control: AUTH_DISABLED=true given explicitly lets the same production start listen',
    async () => {
      const outcome = await startServer(database, { NODE_ENV: 'production', AUTH_DISABLED: 'true' });
      expect(outcome).toMatchObject({ listened: true });
    },
    START_TIMEOUT_MS,
  );
});
