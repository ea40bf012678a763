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

export async function machineInfo(postgresUrl: string): Promise<MachineInfo> {
  const memory = new Database(':memory:');
  const sqlite = (memory.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version;
  memory.close();
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
