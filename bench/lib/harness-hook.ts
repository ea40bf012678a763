/**
 * Preloaded (`node -r bench/.build/lib/harness-hook.js`, HARNESS_EXEC_ARGV) by every process the bench forks: a
 * bench file it requires runs from the JavaScript transpileHarness() wrote for it in bench/.build, under its own
 * path. No compiler is loaded (compiled-harness.ts says why that matters). Runs from bench/.build/lib, so it
 * imports nothing of the bench.
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

const BUILD = path.resolve(__dirname, '..');
const BENCH = path.resolve(BUILD, '..');

type CompilingModule = NodeJS.Module & { _compile(code: string, filename: string): void };
const extensions = (Module as unknown as { _extensions: Record<string, (module: NodeJS.Module, file: string) => void> })
  ._extensions;

extensions['.ts'] = (module, filename) => {
  const relative = path.relative(BENCH, filename);
  if (relative.startsWith('..')) {
    // Our product's modules are loaded from dist/ (compiled-product.ts) before any of them is required.
    throw new Error(`${filename} is not a bench file, and a forked bench process loads no TypeScript compiler`);
  }
  const compiled = path.join(BUILD, `${relative.slice(0, -'.ts'.length)}.js`);
  (module as CompilingModule)._compile(readFileSync(compiled, 'utf8'), filename);
};
