import { context, propagation, trace } from '@opentelemetry/api';
import type { Database, SqlRunner } from '#postgres';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { DeadLetterReplayer } from './dead-letter-replayer.js';
import type { DeadLetterRow } from './dead-letter-rows.js';
import {
  installGlobalTracing,
  SpanCollector,
} from '../../../../libs/tracing/src/span-collector.fixture.js';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const row: DeadLetterRow = {
  id: '7',
  topic: 'payment.commands.dlq',
  original_topic: 'payment.commands',
  original_partition: 0,
  original_offset: '42',
  message_key: 's-1',
  headers: { traceparent, tracestate: 'vendor=1', 'dlq-reason': 'handler failed' },
  value: '{}',
  value_truncated: false,
  value_redacted: false,
  bytes_replaced: false,
  value_sealed: false,
  text_escaped: false,
  reason: 'handler failed',
  failed_at: null,
  recorded_at: '2026-12-07T09:00:00.000Z',
  replayed_at: null,
  replayed_by: null,
  replay_count: 0,
};

/** A database holding `row` alone: every query answers with it. */
const database = {
  transaction: async <T>(work: (sql: SqlRunner) => Promise<T>) =>
    work({ query: async <Row>() => [row as unknown as Row] }),
} as unknown as Database;

describe('the dead-letter replayer with tracing on', () => {
  let uninstall: () => void;

  beforeAll(() => {
    uninstall = installGlobalTracing(new SpanCollector(), {
      propagator: true,
      contextManager: true,
    });
  });

  afterAll(() => uninstall());

  it("republishes a dead letter with its own trace context, not one the Kafka client's instrumentation makes", async () => {
    const sent: Record<string, string>[] = [];
    // What the kafkajs instrumentation does to each record: a send span, injected into its headers.
    const instrumented: MessagePublisher = {
      publish: async (messages: readonly OutgoingMessage[]) => {
        for (const message of messages) {
          const headers = { ...message.headers };
          const span = trace.getTracer('kafkajs').startSpan('send');
          propagation.inject(trace.setSpan(context.active(), span), headers);
          span.end();
          sent.push(headers);
        }
      },
    };

    await new DeadLetterReplayer(database, instrumented).replayOne('7', 'operator');

    expect(sent).toEqual([{ traceparent, tracestate: 'vendor=1' }]);
  });
});
