import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageVersion } from './package-version';
import { PEERS_DIR } from './peers';

/** graphile-worker 0.18 declares engines node >= 22.18.0 (pg-boss 12: >= 22.12.0). */
const PEERS_NODE = [22, 18, 0];
/**
 * The Node provisioned where the machine's is older: the npm registry's official binary (the
 * node-<platform>-<arch> package, as .ci/run provisions its other Node lines), pinned so that runs compare.
 */
export const PROVISIONED_NODE = '22.23.5';
const NODE_HOME = path.resolve(__dirname, '../.node');
/** Written into bench/peers/node_modules after `npm ci`: the lockfile's hash it was installed from. */
const PEERS_STAMP = path.join(PEERS_DIR, 'node_modules', '.bench-lock-sha256');

export function nodeRunsPeers(version = process.versions.node): boolean {
  const parts = version.split('.').map(Number);
  for (let index = 0; index < PEERS_NODE.length; index++) {
    if (parts[index] !== PEERS_NODE[index]) return parts[index] > PEERS_NODE[index];
  }
  return true;
}

export interface Provisioned {
  /** The node binary. */
  binary: string;
  version: string;
  /** Time spent installing; 0 when it was already there. */
  seconds: number;
}

function npm(args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.error?.message ?? result.status})`);
}

/** Node PROVISIONED_NODE in bench/.node, installed from the npm registry on first use. */
export function provisionNode(): Provisioned {
  const name = `node-${process.platform}-${process.arch}`;
  const home = path.join(NODE_HOME, 'node_modules', name);
  const binary = path.join(home, 'bin', 'node');
  const manifest = path.join(home, 'package.json');
  let seconds = 0;
  if (!existsSync(binary) || packageVersion(manifest) !== PROVISIONED_NODE) {
    const started = Date.now();
    npm(['install', '--prefix', NODE_HOME, '--no-save', '--no-package-lock', `${name}@${PROVISIONED_NODE}`]);
    seconds = (Date.now() - started) / 1000;
  }
  return { binary, version: `v${packageVersion(manifest)}`, seconds };
}

/**
 * bench/peers/node_modules as bench/peers/package-lock.json pins it: `npm ci` on first use or when the lockfile
 * changed, run by `node` (npm is a node script) so that the peers' engines are checked against it.
 * Returns the seconds it took (0 when it was up to date).
 */
export function installPeers(node: string): number {
  const lock = createHash('sha256')
    .update(readFileSync(path.join(PEERS_DIR, 'package-lock.json')))
    .digest('hex');
  if (existsSync(PEERS_STAMP) && readFileSync(PEERS_STAMP, 'utf8') === lock) return 0;
  const started = Date.now();
  const PATH = `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`;
  npm(['ci', '--prefix', PEERS_DIR], { ...process.env, PATH });
  writeFileSync(PEERS_STAMP, lock);
  return (Date.now() - started) / 1000;
}
