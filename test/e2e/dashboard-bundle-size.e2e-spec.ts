import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureUiBuilt } from '../support/ui-build';

/** Issue 15's budget: the dashboard adds at most 500 KB gzipped to the package (counted here as 500,000 bytes). */
const BUDGET_BYTES = 500_000;
const DASHBOARD_DIST = resolve(__dirname, '../../dist/dashboard');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe("The dashboard's built files", () => {
  beforeAll(() => ensureUiBuilt('dashboard'));

  it('add at most 500 KB to the package, each file gzipped on its own', () => {
    const sizes = filesUnder(DASHBOARD_DIST).map((file) => ({
      file: relative(DASHBOARD_DIST, file),
      gzipped: gzipSync(readFileSync(file)).length,
    }));
    const total = sizes.reduce((sum, { gzipped }) => sum + gzipped, 0);
    // The list (largest first) is in the failure message: what grew is the first thing one asks.
    const largestFirst = [...sizes].sort((a, b) => b.gzipped - a.gzipped);
    expect({ total, withinBudget: total <= BUDGET_BYTES, largestFirst }).toMatchObject({ withinBudget: true });
    expect(sizes.map(({ file }) => file)).toContain('index.html');
  });
});
