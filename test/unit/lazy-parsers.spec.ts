import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { lazyModule } from '../../src/job-queue/processors/lazy-module';

const PARSERS = ['mammoth', 'jszip', '@xmldom/xmldom', 'markdown-it', 'htmlparser2', 'csv-parse'];

describe('parsers loaded at the first job that needs them', () => {
  it('loading the built-in processors loads none of the parser libraries (they cost 10 MB of RSS at boot)', async () => {
    // A process of its own: Jest's module registry is not require.cache, and this one has loaded them already.
    const script = `require('./src/job-queue/processors/processors.module');
      console.log(JSON.stringify(Object.keys(require.cache)))`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'reflect-metadata', '-e', script],
      { cwd: path.resolve(__dirname, '../..') },
    );
    const loaded = (JSON.parse(stdout) as string[]).filter((file) =>
      PARSERS.some((parser) => file.includes(`/node_modules/${parser}/`)),
    );
    expect(loaded).toEqual([]);
  }, 30_000);

  it('jobs starting together share one load, and a failed load is tried again by the next job', async () => {
    let loads = 0;
    let fail = true;
    const load = lazyModule(() => {
      loads++;
      return fail ? Promise.reject(new Error('not installed')) : Promise.resolve({ loads });
    });
    await expect(Promise.all([load(), load()])).rejects.toThrow('not installed');
    expect(loads).toBe(1);
    fail = false;
    const [first, second] = await Promise.all([load(), load()]);
    expect(first).toBe(second);
    expect(await load()).toEqual({ loads: 2 });
  });
});
