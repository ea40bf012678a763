/**
 * The bench's worker processes run its files transpiled ahead, with no TypeScript compiler loaded
 * (bench/lib/compiled-harness.ts): until they did, ~60 MB of one was in every peak RSS the bench reports. These fork
 * the real worker entry (bench/worker-child.ts) as the bench does, told to run a system that does not exist, so it
 * loads everything it imports and then reports the failure over IPC; a preloaded reporter writes the modules it
 * loaded. The control runs the same entry under ts-node, as the bench did, and sees the compiler.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HARNESS_EXEC_ARGV, transpileHarness } from '../../bench/lib/compiled-harness';

const ROOT = path.resolve(__dirname, '../..');
const COMPILER = /[\\/]node_modules[\\/](typescript|ts-node)[\\/]/;

let dir: string;
let reporter: string;
let runs = 0;

beforeAll(() => {
  transpileHarness();
  dir = mkdtempSync(path.join(tmpdir(), 'bench-harness-'));
  reporter = path.join(dir, 'report-modules.js');
  writeFileSync(
    reporter,
    `process.on('exit', () => require('fs').writeFileSync(process.env.MODULES_FILE, JSON.stringify(Object.keys(require.cache))));`,
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the worker entry with `preload` until it exits: what it said over IPC and the modules it had loaded. */
async function runWorkerEntry(preload: string[]): Promise<{ messages: { type: string }[]; modules: string[] }> {
  const modulesFile = path.join(dir, `modules-${++runs}.json`);
  const child: ChildProcess = fork(
    path.join(ROOT, 'bench/worker-child.ts'),
    ['no-such-system', 'sqlite', 'file:unused.db', dir, 'worker'],
    {
      cwd: ROOT,
      execArgv: [...preload, '-r', reporter],
      env: { ...process.env, MODULES_FILE: modulesFile },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    },
  );
  const messages: { type: string }[] = [];
  child.on('message', (message: { type: string }) => messages.push(message));
  await once(child, 'exit');
  return { messages, modules: JSON.parse(readFileSync(modulesFile, 'utf8')) as string[] };
}

it('runs the worker entry and everything it imports from the transpiled files, with no compiler in the process', async () => {
  const { messages, modules } = await runWorkerEntry(HARNESS_EXEC_ARGV);
  expect(messages.map((message) => message.type)).toEqual(['failed']); // main() ran to the unknown system
  expect(modules).toEqual(
    expect.arrayContaining([path.join(ROOT, 'bench/worker-child.ts'), path.join(ROOT, 'bench/lib/systems.ts')]),
  );
  expect(modules.filter((file) => COMPILER.test(file))).toEqual([]);
}, 30_000);

it('control: the same entry under ts-node, as the bench ran it before, loads the compiler', async () => {
  const { messages, modules } = await runWorkerEntry(['-r', 'ts-node/register/transpile-only']);
  expect(messages.map((message) => message.type)).toEqual(['failed']);
  expect(modules.some((file) => file.includes(`${path.sep}typescript${path.sep}`))).toBe(true);
}, 30_000);
