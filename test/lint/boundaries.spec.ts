import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = 'test/fixtures/boundaries/src/job-queue';

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}

/** ESLint's findings on `files`, with the project's own config (the fixture is ignored by `npm run lint`). */
async function lint(files: string[]): Promise<Map<string, LintResult['messages']>> {
  const eslint = path.join(ROOT, 'node_modules/.bin/eslint');
  const run = promisify(execFile)(eslint, ['--no-ignore', '--format', 'json', ...files], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 ** 2,
  });
  // ESLint exits 1 when it finds problems; its report is on stdout either way.
  const { stdout } = await run.catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '[]' }));
  const results = JSON.parse(stdout) as LintResult[];
  return new Map(results.map((result) => [path.relative(ROOT, result.filePath), result.messages]));
}

describe('The import-boundary rule (eslint-plugin-boundaries, eslint.config.mjs)', () => {
  it('refuses an upward import from common/ into a feature, and lets a feature import common/', async () => {
    const upward = `${FIXTURE}/common/upward-import.ts`;
    const downward = `${FIXTURE}/jobs/jobs-feature.ts`;
    const found = await lint([upward, downward]);
    expect(found.get(upward)?.filter((message) => message.ruleId === 'boundaries/dependencies')).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('from elements of type "common" to elements of type "feature"'),
      }),
    ]);
    // The control: the same rule, the allowed direction.
    expect(found.get(downward)).toEqual([]);
  }, 120_000);
});
