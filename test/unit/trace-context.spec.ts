import { createTraceState, INVALID_SPAN_CONTEXT, type Span, type SpanContext, trace } from '@opentelemetry/api';
import { linksTo, spanContextFrom, traceContextOf } from '../../src/job-queue/common/tracing';

const spanWith = (spanContext: SpanContext): Span => trace.wrapSpanContext(spanContext);
const SAMPLED: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: 1,
};

describe('The trace context stored with a job (src/job-queue/common/tracing.ts)', () => {
  it('is the W3C traceparent of the enqueuing span, then its tracestate after a space', () => {
    expect(traceContextOf(spanWith(SAMPLED))).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const withState = { ...SAMPLED, traceFlags: 0, traceState: createTraceState('vendor=a1,other=b2') };
    expect(traceContextOf(spanWith(withState))).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00 vendor=a1,other=b2',
    );
  });

  it('is null for an invalid span context: the no-op span of an API without SDK', () => {
    expect(traceContextOf(spanWith(INVALID_SPAN_CONTEXT))).toBeNull();
    expect(traceContextOf(trace.getTracer('test').startSpan('no sdk'))).toBeNull();
  });

  it('reads back as the remote span context it was written from, trace state included', () => {
    const stored = traceContextOf(spanWith({ ...SAMPLED, traceState: createTraceState('vendor=a1') }));
    const read = spanContextFrom(stored);
    expect({ ...read, traceState: read?.traceState?.serialize() }).toEqual({
      ...SAMPLED,
      isRemote: true,
      traceState: 'vendor=a1',
    });
    expect(linksTo(stored)).toEqual([{ context: read }]);
  });

  it.each([
    [null],
    [''],
    ['01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    ['00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01'],
    ['00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01'],
    ['garbage'],
  ])('links nothing for %p', (stored) => {
    expect(spanContextFrom(stored)).toBeNull();
    expect(linksTo(stored)).toBeUndefined();
  });
});
