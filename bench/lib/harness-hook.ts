/**
 * Preloaded (`node -r bench/.build/bench/lib/harness-hook.js`, HARNESS_EXEC_ARGV) by every process the bench forks:
 * a harness file it requires runs from the JavaScript transpileHarness() wrote for it in bench/.build, under its own
 * path. No compiler is loaded (compiled-harness.ts says why that matters). Runs from bench/.build/bench/lib, so it
 * imports only harness-sources, transpiled beside it.
 */
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { HARNESS_SOURCES, transpiledPath } from './harness-sources';

/** This file runs as bench/.build/bench/lib/harness-hook.js. */
const ROOT = path.resolve(__dirname, '../../../..');
const TRANSPILED = HARNESS_SOURCES.map((folder) => path.join(ROOT, folder) + path.sep);

type CompilingModule = NodeJS.Module & { _compile(code: string, filename: string): void };
const extensions = (Module as unknown as { _extensions: Record<string, (module: NodeJS.Module, file: string) => void> })
  ._extensions;

extensions['.ts'] = (module, filename) => {
  if (!TRANSPILED.some((folder) => filename.startsWith(folder))) {
    // Our product's modules are loaded from dist/ (compiled-product.ts) before any of them is required.
    throw new Error(`${filename} was not transpiled for the bench, and a forked bench process loads no compiler`);
  }
  (module as CompilingModule)._compile(readFileSync(transpiledPath(ROOT, filename), 'utf8'), filename);
};
