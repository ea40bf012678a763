import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import Database from 'better-sqlite3';
import { postgresVersion } from './databases';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  postgres: string;
  sqlite: string;
  commit: string;
}

/** SQLite's version, where better-sqlite3 loads: under a provisioned Node its addon is built for another ABI. */
function sqliteVersion(): string {
  try {
    const memory = new Database(':memory:');
    const { version } = memory.prepare('SELECT sqlite_version() AS version').get() as { version: string };
    memory.close();
    return version;
  } catch {
    return `not loaded under Node ${process.version}`;
  }
}

export async function machineInfo(postgresUrl: string): Promise<MachineInfo> {
  const sqlite = sqliteVersion();
  let commit = 'unknown';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'prisma'], { encoding: 'utf8' }).trim();
    commit = dirty ? `${head} + uncommitted changes in src/ or prisma/` : head;
  } catch {
    // not a git checkout
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: await postgresVersion(postgresUrl).catch((error: Error) => `unreachable (${error.message})`),
    sqlite,
    commit,
  };
}
