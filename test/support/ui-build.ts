import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './test-app';

const ROOT = resolve(__dirname, '../..');

/** The browser apps by the folder the service serves them from (dist/<name>, see src/job-queue/web-ui). */
const UIS = { dashboard: 'src/dashboard-ui', graphiql: 'src/explorer-ui' } as const;
export type UiName = keyof typeof UIS;

/** A build takes 2-4 s alone; another test process may be building the same UI, or the machine may be busy. */
const BUILD_WAIT_MS = 120_000;

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newestChange(join(path, entry))));
}

/** Built, and not older than its sources or the installed dependencies (package-lock.json). */
function isFresh(name: UiName): boolean {
  const index = join(ROOT, 'dist', name, 'index.html');
  if (!existsSync(index)) return false;
  const sources = Math.max(newestChange(join(ROOT, UIS[name])), newestChange(join(ROOT, 'package-lock.json')));
  return statSync(index).mtimeMs >= sources;
}

/** One process builds at a time (mkdir is atomic); a lock older than a build can take was left by a killed one. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - since > BUILD_WAIT_MS) rmSync(lock, { force: true, recursive: true });
    return false;
  }
}

/**
 * Vite builds into a folder of its own, then swaps it in: a service another test process runs meanwhile keeps
 * serving the old build instead of a half-emptied folder.
 */
async function build(name: UiName): Promise<void> {
  const target = join(ROOT, 'dist', name);
  const fresh = `${target}.building-${process.pid}`;
  const stale = `${target}.stale-${process.pid}`;
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  const config = join(ROOT, UIS[name], 'vite.config.mts');
  await promisify(execFile)(process.execPath, [vite, 'build', '-c', config, '--outDir', fresh, '--emptyOutDir'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (existsSync(target)) renameSync(target, stale);
  renameSync(fresh, target);
  rmSync(stale, { force: true, recursive: true });
}

/**
 * Makes sure dist/<name> holds a build of the current sources: `npm test` from a fresh clone runs before any
 * `npm run build`. Builds only what is missing or older than its sources, once across concurrent test processes.
 */
export async function ensureUiBuilt(...names: UiName[]): Promise<void> {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (const name of names) {
    const lock = join(ROOT, 'dist', `.${name}.build-lock`);
    let locked = false;
    await waitFor(() => isFresh(name) || (locked = tryLock(lock)), BUILD_WAIT_MS, 200);
    if (!locked) continue;
    try {
      if (!isFresh(name)) await build(name);
    } finally {
      rmSync(lock, { force: true, recursive: true });
    }
  }
}
