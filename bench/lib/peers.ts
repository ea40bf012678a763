import { createRequire } from 'node:module';
import path from 'node:path';
import { packageVersion } from './package-version';

/**
 * The peers live in a package of their own (bench/peers, with its own lockfile), installed by the bench into
 * bench/peers/node_modules on first use: the product's dependencies stay free of them, and they can be at
 * majors that need a newer Node than the product's. Both are ES modules; require() loads them on Node ≥ 22.12.
 */
export const PEERS_DIR = path.resolve(__dirname, '../peers');

const requirePeer = createRequire(path.join(PEERS_DIR, 'package.json'));

/**
 * A peer's module, typed by the caller with the few members the bench uses (its own types are in
 * bench/peers/node_modules, absent from a clean clone, where `npm run lint` must pass all the same).
 */
export function loadPeer<T>(name: 'graphile-worker' | 'pg-boss'): { module: T; version: string } {
  return {
    module: requirePeer(name) as T,
    version: packageVersion(path.join(PEERS_DIR, 'node_modules', name, 'package.json')),
  };
}
