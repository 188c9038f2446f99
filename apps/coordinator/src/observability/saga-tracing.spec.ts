import { HEADERS, MESSAGE_TYPES } from '#contracts';
import type { OutgoingMessage, SagaState } from '#saga-core';
import { publishTraced, startProcessSpan } from '#tracing';
import type { OutboxRow } from '../persistence/saga-rows.js';
import {
  installGlobalTracing,
  SpanCollector,
} from '../../../../libs/tracing/src/span-collector.fixture.js';
import { DecisionSpans, sagaTracing } from './saga-tracing.js';

const state = {
  sagaId: 's-1',
  sagaType: 'order',
  sagaVersion: 1,
  status: 'running',
} as unknown as SagaState;

function commandRow(attempt: number, action = 'execute'): OutboxRow {
  return {
    sagaId: 's-1',
    lane: 0,
    topic: 'payment.commands',
    key: 's-1',
    headers: {
      [HEADERS.messageType]: MESSAGE_TYPES.command,
      [HEADERS.sagaId]: 's-1',
      [HEADERS.sagaType]: 'order',
      [HEADERS.stepId]: 'pay',
      [HEADERS.attempt]: String(attempt),
    },
    payload: { action, participant: 'payment', cardToken: 'secret' },
  };
}

const parentOf = (traceparent: string | undefined) => traceparent?.split('-')[2];

describe('saga tracing without an SDK', () => {
  it('stores no context and leaves the rows as they are', () => {
    const spans = new DecisionSpans();
    expect(sagaTracing.started(state, spans)).toBeNull();
    const rows = [commandRow(1)];
    sagaTracing.commandsPlanned(rows, 0, null, spans);
    spans.end();
    expect(rows[0]!.headers[HEADERS.traceparent]).toBeUndefined();
  });
});

describe('saga tracing with an SDK', () => {
  const collector = new SpanCollector();
  const { ended } = collector;
  let uninstall: () => void;

  beforeAll(() => {
    uninstall = installGlobalTracing(collector, { propagator: true });
  });

  afterAll(() => uninstall());

  // The decision whose spans each test makes; ended (as at its commit) before they are read.
  let decision: DecisionSpans;

  beforeEach(() => {
    collector.clear();
    decision = new DecisionSpans();
  });

  const spans = () => {
    decision.end();
    return ended;
  };
  const named = (name: string) => spans().find((span) => span.name === name)!;

  it("exports a decision's spans only once it commits, and none of one that did not", () => {
    const carrier = sagaTracing.started(state, decision)!;
    sagaTracing.commandsPlanned([commandRow(1)], 0, carrier, decision);
    expect(ended).toEqual([]);
    decision.end();
    expect(ended.map((span) => span.name)).toEqual(['saga order', 'step pay']);
    const failed = new DecisionSpans();
    sagaTracing.started(state, failed);
    expect(ended).toHaveLength(2); // never ended: never exported
  });

  it('opens the saga trace with a root span whose context it returns for storing', async () => {
    const carrier = sagaTracing.started(state, decision)!;
    const root = named('saga order');
    expect(root.parentSpanContext).toBeUndefined();
    expect(carrier.traceparent).toBe(
      `00-${root.spanContext().traceId}-${root.spanContext().spanId}-01`,
    );
    expect(root.attributes).toMatchObject({ 'saga.id': 's-1', 'saga.type': 'order' });
  });

  it("continues the requester's trace when the start request carried one", () => {
    const requester = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const carrier = sagaTracing.started(state, decision, { traceparent: requester })!;
    expect(carrier.traceparent?.split('-')[1]).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(named('saga order').parentSpanContext?.spanId).toBe('b7ad6b7169203331');
  });

  it('gives each planned command a step span, child of the stored context, and its context in the headers', async () => {
    const carrier = sagaTracing.started(state, decision)!;
    const event: OutboxRow = {
      ...commandRow(1),
      headers: { [HEADERS.messageType]: MESSAGE_TYPES.event },
    };
    const rows = [commandRow(9), commandRow(2), commandRow(1, 'compensate'), event];
    sagaTracing.commandsPlanned(rows, 1, carrier, decision);
    expect(rows[0]!.headers[HEADERS.traceparent]).toBeUndefined(); // before `from`: untouched
    const step = named('step pay');
    expect(step.parentSpanContext?.spanId).toBe(parentOf(carrier.traceparent));
    expect(step.attributes).toMatchObject({
      'saga.step': 'pay',
      'saga.attempt': 2,
      'saga.action': 'execute',
    });
    expect(parentOf(rows[1]!.headers[HEADERS.traceparent])).toBe(step.spanContext().spanId);
    expect(named('compensate pay').attributes).toMatchObject({ 'saga.action': 'compensate' });
    expect(rows[3]!.headers[HEADERS.traceparent]).toBe(carrier.traceparent);
    // Payloads never become attributes.
    const values = spans().flatMap((span) => Object.values(span.attributes).map(String));
    expect(values).not.toContain('secret');
  });

  it('names why a saga compensates on its status-change span', async () => {
    const carrier = sagaTracing.started(state, decision)!;
    const compensating = {
      ...state,
      status: 'compensating',
      cause: {
        type: 'step-failed',
        stepId: 'pay',
        outcome: { status: 'failure', code: 'DECLINED', message: 'no' },
      },
    } as unknown as SagaState;
    sagaTracing.statusChanged(state, compensating, carrier, decision);
    sagaTracing.statusChanged(compensating, compensating, carrier, decision);
    expect(spans().filter((span) => span.name === 'saga order compensating')).toHaveLength(1);
    expect(named('saga order compensating').attributes).toMatchObject({
      'saga.outcome': 'step-failed',
      'saga.step': 'pay',
      'saga.error_code': 'DECLINED',
    });
  });

  it('publishes each message under a producer span that continues its own context', async () => {
    const carrier = sagaTracing.started(state, decision)!;
    const published: OutgoingMessage[] = [];
    const untraced: OutgoingMessage = { topic: 'saga.events', key: 'k', headers: {}, value: '{}' };
    const traced: OutgoingMessage = {
      topic: 'payment.commands',
      key: 's-1',
      headers: { ...carrier },
      value: '{}',
    };
    await publishTraced({ publish: async (messages) => void published.push(...messages) }, [
      traced,
      untraced,
    ]);
    const send = named('send payment.commands');
    expect(send.kind).toBe(3 /* PRODUCER */);
    expect(send.parentSpanContext?.spanId).toBe(parentOf(carrier.traceparent));
    expect(parentOf(published[0]!.headers[HEADERS.traceparent])).toBe(send.spanContext().spanId);
    expect(published[1]).toEqual(untraced);
    expect(spans().filter((span) => span.name.startsWith('send'))).toHaveLength(1);
  });

  it('marks the producer spans failed when the publish fails', async () => {
    const carrier = sagaTracing.started(state, decision)!;
    const message: OutgoingMessage = { topic: 't', key: 'k', headers: { ...carrier }, value: '{}' };
    const failing = { publish: async () => Promise.reject(new Error('broker down')) };
    await expect(publishTraced(failing, [message])).rejects.toThrow('broker down');
    expect(named('send t').status.code).toBe(2 /* ERROR */);
  });

  it('starts a consumer span as the child of the context in the headers', async () => {
    const carrier = sagaTracing.started(state, decision)!;
    const span = startProcessSpan('saga.replies', {
      ...carrier,
      [HEADERS.sagaId]: 's-1',
      [HEADERS.attempt]: '3',
    });
    span.end();
    const processed = named('process saga.replies');
    expect(processed.kind).toBe(4 /* CONSUMER */);
    expect(processed.parentSpanContext?.spanId).toBe(parentOf(carrier.traceparent));
    expect(processed.attributes).toMatchObject({
      'saga.id': 's-1',
      'saga.attempt': 3,
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'saga.replies',
    });
  });
});
