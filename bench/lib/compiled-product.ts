import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { typeScriptFiles } from './harness-sources';

/**
 * Our worker processes run the product compiled, as the peers' are (their packages ship JavaScript). Through
 * ts-node, the worker compiled our ~200 source files at boot: ~50 MB of its peak RSS was the compiler's garbage
 * and output cache (bench/RESULTS.md, "Memory"), a cost no deployed instance pays (`npm start` runs dist/).
 */
const ROOT = path.resolve(__dirname, '../..');
const SOURCES = path.join(ROOT, 'src');
const COMPILED = path.join(ROOT, 'dist');
/** The UIs are built by Vite into dist/ of their own; tsconfig.build.json leaves them out. */
const NOT_COMPILED = new Set(['dashboard-ui', 'explorer-ui']);

/**
 * Compiles src/ into dist/ with `tsc -p tsconfig.build.json` (what `nest build` runs, without emptying dist/ of the
 * built UIs) when a source is newer than its output. Returns the seconds it took, or 0 when dist/ was current.
 */
export function ensureCompiledProduct(): number {
  const entry = path.join(COMPILED, 'app.module.js');
  if (existsSync(entry) && newestSource() <= statSync(entry).mtimeMs) return 0;
  const started = Date.now();
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return (Date.now() - started) / 1000;
}

const newestSource = () => Math.max(0, ...typeScriptFiles(SOURCES, NOT_COMPILED).map((file) => statSync(file).mtimeMs));

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string;

/**
 * From now on in this process, every module of src/ is loaded from its compiled twin in dist/ (the bench's own
 * files from theirs in bench/.build: compiled-harness.ts). All of src/ is redirected, so no class is loaded twice.
 * Call ensureCompiledProduct() first, in the parent.
 */
export function loadProductCompiled(): void {
  const loader = Module as unknown as { _resolveFilename: ResolveFilename };
  const resolve = loader._resolveFilename;
  const prefix = SOURCES + path.sep;
  loader._resolveFilename = function (this: unknown, request, parent, ...rest) {
    const resolved = resolve.call(this, request, parent, ...rest);
    if (!resolved.startsWith(prefix) || !resolved.endsWith('.ts')) return resolved;
    return path.join(COMPILED, `${resolved.slice(prefix.length, -'.ts'.length)}.js`);
  };
}
