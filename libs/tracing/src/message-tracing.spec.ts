import { context, propagation, trace } from '@opentelemetry/api';
import { HEADERS, LIMITS } from '#contracts';
import { startProcessSpan, withoutClientTracing } from './message-tracing.js';
import { installGlobalTracing, SpanCollector } from './span-collector.fixture.js';

describe('message tracing with an SDK', () => {
  const collector = new SpanCollector();
  const { ended } = collector;
  let uninstall: () => void;

  beforeAll(() => {
    uninstall = installGlobalTracing(collector, { propagator: true, contextManager: true });
  });

  afterAll(() => uninstall());

  beforeEach(() => collector.clear());

  const huge = 'x'.repeat(2 ** 20);

  it('cuts the attributes it reads from headers to the contract limits', () => {
    startProcessSpan('payment.commands', {
      [HEADERS.messageId]: huge,
      [HEADERS.sagaId]: huge,
      [HEADERS.sagaType]: huge,
      [HEADERS.stepId]: huge,
      [HEADERS.attempt]: huge,
    }).end();

    const { attributes } = ended[0]!;
    expect(attributes['messaging.message.id']).toBe(huge.slice(0, LIMITS.compositeId));
    expect(attributes['saga.id']).toBe(huge.slice(0, LIMITS.id));
    expect(attributes['saga.type']).toBe(huge.slice(0, LIMITS.id));
    expect(attributes['saga.step']).toBe(huge.slice(0, LIMITS.id));
    expect(attributes['saga.attempt']).toBeUndefined();
  });

  it('takes no saga attributes from the headers when told not to, the given ones only', () => {
    startProcessSpan(
      'saga.replies',
      { [HEADERS.sagaType]: 'forged', [HEADERS.sagaId]: 's-1', [HEADERS.attempt]: '2' },
      { 'saga.id': 's-1' },
      { sagaHeaders: false },
    ).end();

    const { attributes } = ended[0]!;
    expect(attributes['saga.type']).toBeUndefined();
    expect(attributes['saga.attempt']).toBeUndefined();
    expect(attributes['saga.id']).toBe('s-1');
  });

  it('hides the active span from a client instrumentation while it sends, across awaits', async () => {
    const headers: Record<string, string> = {};
    const poll = trace.getTracer('test').startSpan('poll');
    await context.with(trace.setSpan(context.active(), poll), () =>
      withoutClientTracing(async () => {
        await Promise.resolve();
        // What an instrumentation does: a span under the active context, injected into headers.
        const send = trace.getTracer('client').startSpan('send');
        propagation.inject(trace.setSpan(context.active(), send), headers);
        send.end();
      }),
    );
    poll.end();

    expect(headers).toEqual({});
    expect(ended.map((span) => span.name)).toEqual(['poll']);
  });
});
