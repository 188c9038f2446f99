import {
  DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  spanLimitsOf,
  tracingRequested,
} from './tracing-bootstrap.js';
import { SpanCollector, tracerProviderFor } from './span-collector.fixture.js';

describe('tracingRequested', () => {
  it('is off when nothing is configured, so the embedded mode keeps its no-op tracer', () => {
    expect(tracingRequested({})).toBe(false);
  });

  it('is on with an OTLP endpoint, or an exporter other than none', () => {
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toBe(true);
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }),
    ).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  });

  it('is off when told so, whatever else is set', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' };
    expect(tracingRequested({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingRequested({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });
});

describe('spanLimitsOf', () => {
  it('bounds attribute values when the environment sets no limit (the SDK would keep any length)', () => {
    expect(spanLimitsOf({})).toEqual({
      attributeValueLengthLimit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
    });
    expect(DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT).toBe(1_024);
  });

  it('leaves the limit to the SDK when either standard variable sets one', () => {
    expect(spanLimitsOf({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4096' })).toEqual({});
    expect(spanLimitsOf({ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '64' })).toEqual({});
  });

  it('cuts a huge attribute, such as a record key, on a tracer provider given them', () => {
    const collector = new SpanCollector();
    const provider = tracerProviderFor(collector, spanLimitsOf({}));
    const key = 'k'.repeat(2 ** 20);
    provider
      .getTracer('test')
      .startSpan('send', { attributes: { 'messaging.kafka.message.key': key } })
      .end();
    expect(collector.ended[0]!.attributes['messaging.kafka.message.key']).toBe(key.slice(0, 1_024));
  });
});
