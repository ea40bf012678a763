import { Counter, Histogram, Registry } from 'prom-client';
import { PerJobCounter, PerJobHistogram } from '../../src/job-queue/monitoring/http/per-job-metrics';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const plain = () => new Registry();
/** Values on, between, below and above the bounds, for three label sets; one is not a number at all. */
const OBSERVATIONS: [number, string, string][] = [
  [0, 'txt', 'COMPLETED'],
  [0.001, 'txt', 'COMPLETED'],
  [0.0011, 'txt', 'COMPLETED'],
  [0.5, 'txt', 'FAILED'],
  [1, 'pdf', 'COMPLETED'],
  [7, 'pdf', 'COMPLETED'],
  [0.05, 'txt', 'COMPLETED'],
];

/** The per-job metrics and prom-client's own, given the same updates, in registries of their own. */
function bothWays(registryOf: (ours: boolean) => Registry, ours: boolean) {
  const registry = registryOf(ours);
  const options = { help: 'help "quoted"\\', labelNames: ['format', 'outcome'] as const };
  if (ours) {
    const histogram = new PerJobHistogram({ name: 'h_seconds', ...options, buckets: BUCKETS, registry });
    const single = new PerJobHistogram({
      name: 's_seconds',
      help: 'one label',
      labelNames: ['stage'],
      buckets: BUCKETS,
      registry,
    });
    const counter = new PerJobCounter({ name: 'c_total', ...options, registry });
    for (const [value, format, outcome] of OBSERVATIONS) {
      histogram.observe(value, format, outcome);
      single.observe(value, format);
      counter.inc(format, outcome);
    }
  } else {
    const registers = [registry];
    const labelNames = [...options.labelNames];
    const histogram = new Histogram({ name: 'h_seconds', help: options.help, labelNames, buckets: BUCKETS, registers });
    const single = new Histogram({
      name: 's_seconds',
      help: 'one label',
      labelNames: ['stage'],
      buckets: BUCKETS,
      registers,
    });
    const counter = new Counter({ name: 'c_total', help: options.help, labelNames, registers });
    for (const [value, format, outcome] of OBSERVATIONS) {
      histogram.observe({ format, outcome }, value);
      single.observe({ stage: format }, value);
      counter.inc({ format, outcome });
    }
  }
  return registry;
}

describe('per-job metrics', () => {
  it("render exactly as prom-client's own counter and histograms given the same updates", async () => {
    const ours = await bothWays(plain, true).metrics();
    expect(ours).toBe(await bothWays(plain, false).metrics());
    expect(ours).toContain('h_seconds_bucket{le="0.001",format="txt",outcome="COMPLETED"} 2');
    expect(ours).toContain('h_seconds_bucket{le="+Inf",format="pdf",outcome="COMPLETED"} 2');
    expect(ours).toContain('h_seconds_sum{format="pdf",outcome="COMPLETED"} 8');
    expect(ours).toContain('c_total{format="txt",outcome="COMPLETED"} 4');
  });

  it('render as prom-client does with default labels and in OpenMetrics', async () => {
    const labelled = () => {
      const registry = new Registry();
      registry.setDefaultLabels({ instance: 'a' });
      return registry;
    };
    expect(await bothWays(labelled, true).metrics()).toBe(await bothWays(labelled, false).metrics());
    const openMetrics = () => {
      const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
      registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      return registry as unknown as Registry;
    };
    expect(await bothWays(openMetrics, true).metrics()).toBe(await bothWays(openMetrics, false).metrics());
  });

  it('count nothing for a value that is not a finite number, and forget every series on reset', async () => {
    const registry = new Registry();
    const histogram = new PerJobHistogram({ name: 'h', help: 'h', labelNames: ['stage'], buckets: BUCKETS, registry });
    histogram.observe(Number.NaN, 'READING');
    histogram.observe(Number.POSITIVE_INFINITY, 'READING');
    expect((await histogram.get()).values).toEqual([]);
    histogram.observe(0.5, 'READING');
    expect((await histogram.get()).values.at(-1)).toEqual({
      labels: { stage: 'READING' },
      value: 1,
      metricName: 'h_count',
    });
    registry.resetMetrics();
    expect((await histogram.get()).values).toEqual([]);
  });

  it('take one value for each label name, and no other number of them (checked by the compiler)', async () => {
    const registry = new Registry();
    const options = { help: 'h', registry };
    const counter = new PerJobCounter({ name: 'c', labelNames: ['format', 'outcome'], ...options });
    const histogram = new PerJobHistogram({ name: 'h', labelNames: ['stage'], buckets: BUCKETS, ...options });
    // Type-checked, never run: each call would otherwise make a series with a label missing or one too many.
    const wrongCalls = () => {
      // @ts-expect-error -- the outcome is missing
      counter.inc('pdf');
      // @ts-expect-error -- one label, two values
      histogram.observe(1, 'READING', 'extra');
    };
    expect(typeof wrongCalls).toBe('function');
    counter.inc('pdf', 'COMPLETED');
    histogram.observe(1, 'READING');
    expect((await counter.get()).values).toEqual([{ labels: { format: 'pdf', outcome: 'COMPLETED' }, value: 1 }]);
    expect((await histogram.get()).values.at(-1)).toMatchObject({ labels: { stage: 'READING' }, value: 1 });
  });
});
