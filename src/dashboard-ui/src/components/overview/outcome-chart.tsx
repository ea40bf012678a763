import { useQuery } from '@urql/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { OUTCOMES } from '../../documents';
import { useJobEvents, useThrottle } from '../../live';
import type { OutcomeBucket } from '../../types';
import { ErrorMessage } from '../error-message';

/** The windows offered, each within jobOutcomes' bound of 500 periods. */
const WINDOWS = {
  'Last hour, per minute': { hours: 1, bucketMinutes: 1 },
  'Last 24 hours, per hour': { hours: 24, bucketMinutes: 60 },
  'Last 7 days, per 6 hours': { hours: 168, bucketMinutes: 360 },
} as const;
type WindowName = keyof typeof WINDOWS;

function chartData(buckets: OutcomeBucket[]): uPlot.AlignedData {
  return [
    buckets.map((bucket) => Date.parse(bucket.start) / 1000),
    buckets.map((bucket) => bucket.completed),
    buckets.map((bucket) => bucket.failed),
  ];
}

function chartOptions(width: number): uPlot.Options {
  return {
    width,
    height: 220,
    series: [
      {},
      { label: 'Completed', stroke: '#1a7f37', fill: 'rgba(26,127,55,0.12)', width: 2 },
      { label: 'Failed', stroke: '#cf222e', fill: 'rgba(207,34,46,0.12)', width: 2 },
    ],
    axes: [{}, { label: 'Jobs' }],
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
  };
}

/** Completions and failures over time (uPlot, 50 KB), re-read at most every 5 s while jobs end. */
export function OutcomeChart() {
  const [windowName, setWindowName] = useState<WindowName>('Last 24 hours, per hour');
  const [{ data, error }, refetch] = useQuery<{ jobOutcomes: OutcomeBucket[] }>({
    query: OUTCOMES,
    variables: WINDOWS[windowName],
  });
  const refresh = useThrottle(() => refetch({ requestPolicy: 'network-only' }), 5_000);
  useJobEvents(refresh);

  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    const element = container.current;
    if (!element || !data) return;
    if (!plot.current) plot.current = new uPlot(chartOptions(element.clientWidth || 600), [], element);
    plot.current.setData(chartData(data.jobOutcomes));
  }, [data]);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: element.clientWidth, height: 220 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  const totals = (data?.jobOutcomes ?? []).reduce(
    (sum, bucket) => ({ completed: sum.completed + bucket.completed, failed: sum.failed + bucket.failed }),
    { completed: 0, failed: 0 },
  );
  return (
    <section class="panel wide" aria-labelledby="chart-title">
      <h2 id="chart-title">Completions and failures</h2>
      <label>
        Window{' '}
        <select value={windowName} onChange={(event) => setWindowName(event.currentTarget.value as WindowName)}>
          {Object.keys(WINDOWS).map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </label>
      <ErrorMessage error={error} />
      <div ref={container} role="img" aria-label={`Chart: ${totals.completed} completed, ${totals.failed} failed`} />
    </section>
  );
}
