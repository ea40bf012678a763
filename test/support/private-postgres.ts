import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { type TestDatabase, usingPostgres } from './database';

/**
 * A PostgreSQL cluster of a test's own, on a free port, that the test may stop, kill and restart at will (the
 * shared server on 5432 is never touched). Built with the machine's initdb/pg_ctl; PostgreSQL refuses to run as
 * root, so as root the cluster runs as the unprivileged `postgres` system user (the Debian package's), or one
 * created for it.
 */
export interface PrivatePostgres {
  port: number;
  /** A connection string for `database` on this cluster. */
  url(database?: string): string;
  /** Creates a database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop: `fast` rolls back and disconnects cleanly; `immediate` is a crash (recovery at next start). */
  stop(mode: 'fast' | 'immediate'): void;
  start(): void;
  /** The server's log so far (deadlocks, terminated connections, …). */
  log(): string;
  destroy(): void;
}

const RUN_AS = 'postgres';

/** A fresh database on the cluster, with a storage directory, in the shape the suites' helpers take. */
export async function privateTestDatabase(cluster: PrivatePostgres, name: string): Promise<TestDatabase> {
  const url = await cluster.createDatabase(name);
  const dir = mkdtempSync(path.join(tmpdir(), 'file-jobs-test-'));
  return { url, dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** The directory of initdb and pg_ctl, or null where PostgreSQL's server binaries are not installed. */
export function postgresBinaries(): string | null {
  const root = '/usr/lib/postgresql';
  const fromPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (fromPath && existsSync(path.join(path.dirname(fromPath), 'initdb'))) return path.dirname(fromPath);
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  const bin = versions
    .map((version) => path.join(root, version, 'bin'))
    .find((dir) => existsSync(path.join(dir, 'pg_ctl')));
  return bin ?? null;
}

/**
 * describe() for suites that need a private cluster. They run in the PostgreSQL pass of the tests (DATABASE_URL set
 * to PostgreSQL), once, rather than again in the SQLite pass; elsewhere they say plainly that and why they skipped.
 */
export function describePrivatePostgres(name: string, body: () => void): void {
  const reason = !usingPostgres
    ? 'runs with the PostgreSQL suites (DATABASE_URL=postgresql://...)'
    : !postgresBinaries()
      ? 'needs PostgreSQL server binaries (initdb, pg_ctl) to start a private cluster'
      : null;
  if (!reason) {
    describe(name, body);
    return;
  }
  describe(name, () => {
    it.skip(`skipped: ${reason}`, () => undefined);
  });
  console.log(`[skipped] "${name}" ${reason}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The OS user the cluster runs as: ourselves, or (as root) an unprivileged user, created if missing. */
function clusterUser(): { uid: number; gid: number; wrap: (command: string[]) => string[] } | null {
  if (process.getuid?.() !== 0) return null;
  if (spawnSync('id', ['-u', RUN_AS]).status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', RUN_AS]);
  }
  const uid = Number(execFileSync('id', ['-u', RUN_AS], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', RUN_AS], { encoding: 'utf8' }));
  return { uid, gid, wrap: (command) => ['runuser', '-u', RUN_AS, '--', ...command] };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error('PostgreSQL server binaries (initdb, pg_ctl) are not installed');
  const user = clusterUser();
  const root = mkdtempSync(path.join(tmpdir(), 'file-jobs-pg-'));
  chmodSync(root, 0o700);
  if (user) chownSync(root, user.uid, user.gid);
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'server.log');
  const port = await freePort();
  const exec = (command: string[]) => {
    const [file, ...args] = user ? user.wrap(command) : command;
    return spawnSync(file, args, { encoding: 'utf8', cwd: root });
  };
  const run = (command: string[]) => {
    const result = exec(command);
    if (result.status !== 0) throw new Error(`${command.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  };
  run([
    path.join(bin, 'initdb'),
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  // fsync off: the tests stop the server, never the machine, so the OS keeps every write; it saves seconds per run.
  const serverOptions = [
    `-p ${port}`,
    `-k ${root}`,
    '-c listen_addresses=127.0.0.1',
    '-c max_connections=200',
    '-c fsync=off',
  ].join(' ');
  const start = () =>
    run([path.join(bin, 'pg_ctl'), '-D', dataDir, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start']);
  start();
  const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name) {
      const admin = new Client({ connectionString: url() });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stop: (mode) => run([path.join(bin, 'pg_ctl'), '-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']),
    start,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    destroy() {
      exec([path.join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop']); // fails harmlessly when stopped
      rmSync(root, { recursive: true, force: true });
    },
  };
}
