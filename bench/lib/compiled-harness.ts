import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { HARNESS_SOURCES, transpiledPath, typeScriptFiles } from './harness-sources';

/**
 * The bench's own files, transpiled ahead for the processes it forks. Each system's worker process used to run its
 * harness (bench/worker-child.ts and what it imports) through ts-node, which loads TypeScript's compiler into it:
 * a Node 22 at rest is ~44 MB of RSS, with ts-node and three of the bench's files ~105 MB. The peak RSS the table
 * compares was therefore ~60 MB of harness in every system's figure, alike, which no deployed worker pays.
 *
 * The parent (which runs under ts-node anyway) writes the JavaScript of each file of HARNESS_SOURCES into
 * bench/.build, at its path from the repository's root; a forked process preloads harness-hook.ts
 * (HARNESS_EXEC_ARGV), which runs every such file it requires from there, under the file's own path (so its
 * __dirname and relative imports are the source's). Our product itself comes from dist/ (compiled-product.ts).
 * transpileModule is what ts-node's transpile-only mode does: no type check.
 */
const ROOT = path.resolve(__dirname, '../..');
/** Folders of bench/ that hold no harness source. */
const NOT_SOURCES = new Set(['node_modules', '.node', '.build', 'results', 'peers']);

/**
 * The preload of every process the bench forks (`node -r …/harness-hook.js bench/worker-child.ts`): the worker
 * processes, whose memory and CPU the table reports, and the subscriber clients.
 */
export const HARNESS_EXEC_ARGV = ['-r', transpiledPath(ROOT, path.join(__dirname, 'harness-hook.ts'))];

/**
 * Writes the JavaScript of every .ts file under HARNESS_SOURCES (the folders of NOT_SOURCES aside) into
 * bench/.build; returns the seconds it took (0.4-0.7 s for ~70 files here). All of them each time: never stale, and
 * too quick to be worth an up-to-date check.
 */
export function transpileHarness(): number {
  const started = Date.now();
  const options = compilerOptions();
  for (const file of HARNESS_SOURCES.flatMap((folder) => typeScriptFiles(path.join(ROOT, folder), NOT_SOURCES))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file });
    const target = transpiledPath(ROOT, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return (Date.now() - started) / 1000;
}

/** The project's compiler options (tsconfig.json), as ts-node would read them, without source maps. */
function compilerOptions(): ts.CompilerOptions {
  const { config, error } = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  if (error) throw new Error(`tsconfig.json: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, ROOT);
  return { ...options, sourceMap: false, declaration: false, incremental: false };
}
