/**
 * The bench's TypeScript sources: which folders the processes it forks run, where their JavaScript goes, and the
 * walk that lists them. transpileHarness() (compiled-harness.ts) writes the JavaScript, harness-hook.ts runs it, and
 * compiled-product.ts walks the product's sources with the same walk. Imports nothing but Node's own modules: the
 * hook loads it from bench/.build with no compiler, and the worker processes load compiled-product.ts.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

/** By folder from the repository's root: the bench, and the subscription documents its clients share with the tests. */
export const HARNESS_SOURCES = ['bench', 'test/support'];

/** Where transpileHarness() writes the JavaScript of `file` (a .ts under `root`): bench/.build, at its path from the root. */
export function transpiledPath(root: string, file: string): string {
  return path.join(root, 'bench', '.build', `${path.relative(root, file).slice(0, -'.ts'.length)}.js`);
}

/** Every .ts file under `dir` (declaration files aside), past the folders named in `skipped`. */
export function typeScriptFiles(dir: string, skipped: ReadonlySet<string>): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return skipped.has(entry.name) ? [] : typeScriptFiles(full, skipped);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}
