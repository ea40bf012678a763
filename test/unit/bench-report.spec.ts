/**
 * Issue 14's targets are read off the bench table's "ours PG / peer" cells. A run measures every system back to back,
 * so each cell is the median of the runs' own ratios, with their range: the ratio of two medians mixes runs. These
 * are the 1-instance burn-down's figures of the 13:15 UTC run of 7 December (bench/RESULTS.md), where the machine's
 * speed moved by a quarter between runs and the ratio of the medians read 1.07.
 */
import { type BenchReport, markdownTable } from '../../bench/lib/report';

const OURS = [19_221.6, 19_128.2, 15_102.0];
const GRAPHILE_WORKER = [21_539.6, 17_447.7, 17_894.0];

function tableOf(runs: BenchReport['runs']): string[][] {
  const report = { systems: {}, runs } as BenchReport;
  return markdownTable(report)
    .split('\n')
    .slice(2)
    .map((row) => row.split(' | ').map((cell) => cell.replace(/^\| |\s\|$/g, '')));
}

const RATIO_TO_GRAPHILE_WORKER = 5; // figure, ours SQLite, ours PostgreSQL, graphile-worker, pg-boss, then the ratios

it('reads each ratio as the median of the runs’ own, with their range', () => {
  const [row] = tableOf({
    burndown1: { 'ours/postgres': OURS, 'graphile-worker/postgres': GRAPHILE_WORKER },
  });
  expect(row[0]).toBe('burn-down, 1 instance (jobs/s) ↑');
  expect(row[RATIO_TO_GRAPHILE_WORKER]).toBe('0.89× (0.84-1.10)');
  // Control: the medians' own ratio, what the cell read before, is the other reading of the same runs.
  const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[1];
  expect((medianOf(OURS) / medianOf(GRAPHILE_WORKER)).toFixed(2)).toBe('1.07');
});

it('falls back to the ratio of the two figures with one run, or with runs that do not pair up', () => {
  const rows = tableOf({
    burndown1: { 'ours/postgres': [OURS[0]], 'graphile-worker/postgres': [GRAPHILE_WORKER[0]] },
    burndown2: { 'ours/postgres': OURS, 'graphile-worker/postgres': GRAPHILE_WORKER.slice(0, 2) },
  });
  expect(rows.map((row) => row[RATIO_TO_GRAPHILE_WORKER])).toEqual([
    (OURS[0] / GRAPHILE_WORKER[0]).toFixed(2) + '×', // 0.89×
    (19_128.2 / ((21_539.6 + 17_447.7) / 2)).toFixed(2) + '×', // the medians' ratio, no range
  ]);
});
