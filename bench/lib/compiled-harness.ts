import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { HARNESS_SOURCES } from './harness-sources';

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
const BUILD = path.join(ROOT, 'bench', '.build');
/** Folders of bench/ that hold no harness source. */
const NOT_SOURCES = new Set(['node_modules', '.node', '.build', 'results', 'peers']);

/**
 * The preload of every process the bench forks (`node -r …/harness-hook.js bench/worker-child.ts`): the worker
 * processes, whose memory and CPU the table reports, and the subscriber clients.
 */
export const HARNESS_EXEC_ARGV = ['-r', path.join(BUILD, 'bench', 'lib', 'harness-hook.js')];

/**
 * Writes the JavaScript of every .ts file under HARNESS_SOURCES (the folders of NOT_SOURCES aside) into
 * bench/.build; returns the seconds it took (0.3-0.5 s for ~50 files here). All of them each time: never stale, and
 * too quick to be worth an up-to-date check.
 */
export function transpileHarness(): number {
  const started = Date.now();
  const options = compilerOptions();
  for (const file of HARNESS_SOURCES.flatMap((folder) => sources(path.join(ROOT, folder)))) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file });
    const target = path.join(BUILD, `${path.relative(ROOT, file).slice(0, -'.ts'.length)}.js`);
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

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_SOURCES.has(entry.name) ? [] : sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}
