// One order saga with a retry and a compensation, run by the built coordinator and sample
// participants as separate processes on the real Kafka and Postgres, both exporting traces to an
// OTLP/HTTP receiver started here: it forms one trace across both processes with the right
// parent/child links, /metrics counts what happened, and a sensitive input field reaches no
// log line and no span attribute.
import { REDACTED, topicNames } from '#contracts';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { COORDINATOR_ENTRY } from '../support/coordinator-processes.js';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../support/otlp-receiver.js';
import { listeningUrl, startService, type ServiceProcess } from '../support/service-process.js';
import { ADMIN_HEADERS, TEST_KEYS } from '../support/test-credentials.js';
import { publishRaw } from '../support/topic-reader.js';
import { waitFor } from '../support/wait-for.js';

const PARTICIPANTS_ENTRY = 'dist/apps/sample-participants/src/main.js';
const SECRET = 'tok_live_4242-s3cr3t-card-token';
const PRODUCER = 4;
const CONSUMER = 5;

/** The trace and span of the service that POSTs the saga (its `traceparent` header). */
const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

describe('observability of a saga that retries and compensates, across processes', () => {
  let environment: CoordinatorEnvironment;
  let receiver: OtlpReceiver;
  let coordinator: ServiceProcess;
  let participants: ServiceProcess;
  let sagaId: string;
  let metrics: string;
  let auditPages: {
    items: { eventType: string; actor: string; at: string; detail: string }[];
    nextCursor: string | null;
  }[];
  let prefix: string;

  beforeAll(async () => {
    environment = await createEnvironment('e2e_obs');
    prefix = environment.topicPrefix;
    receiver = await startOtlpReceiver();
    const tracing = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    coordinator = startService(COORDINATOR_ENTRY, {
      ...environment.env,
      ...tracing,
      PORT: '0',
      LOG_LEVEL: 'debug',
    });
    const url = await listeningUrl(coordinator, 60_000);
    participants = startService(PARTICIPANTS_ENTRY, {
      KAFKA_BROKERS: environment.env.KAFKA_BROKERS!,
      TOPIC_PREFIX: prefix,
      TOPIC_PARTITIONS: '3',
      // Every payment command fails for a passing reason: authorize-payment is tried 4 times,
      // then the saga compensates the stock reservation and voids the authorization (nothing to
      // void: the void closes the step's key), which goes through.
      FAULTS: JSON.stringify({
        payment: { transientErrorRate: 1, transientErrorsOnCompensations: false },
      }),
      ...tracing,
    });
    await waitFor(
      'the participants to consume',
      () => {
        if (participants.hasExited())
          throw new Error(`the participants exited:\n${participants.output()}`);
        return participants.output().includes('are consuming their commands') || undefined;
      },
      { timeoutMs: 60_000 },
    );
    await waitFor(
      'the coordinator to be ready',
      async () => (await fetch(`${url}/health/ready`)).status === 200 || undefined,
      { timeoutMs: 60_000 },
    );

    const started = await fetch(`${url}/sagas`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`,
        ...ADMIN_HEADERS,
      },
      body: JSON.stringify({
        sagaType: 'order',
        idempotencyKey: 'obs-1',
        input: {
          orderId: 'o-obs-1',
          customerId: 'c-1',
          items: [{ sku: 'apple', quantity: 1 }],
          amount: 120,
          currency: 'EUR',
          payment: { cardToken: SECRET },
        },
      }),
    });
    expect(started.status).toBe(202);
    sagaId = ((await started.json()) as { sagaId: string }).sagaId;
    await waitForSagas(environment.db, [sagaId], ['compensated'], 60_000);
    // One malformed reply: dead-lettered, and counted.
    await publishRaw([
      { topic: topicNames(prefix).replies, key: 'x', headers: {}, value: '{"not":"a reply"}' },
    ]);
    // The outbox figures are read at most once a second: the last row's removal shows later.
    metrics = await waitFor(
      'the dead letter to be counted and the outbox to be empty',
      async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        const counted = `saga_dead_letters_total{topic="${topicNames(prefix).replies}"} 1`;
        return text.includes(counted) && /^saga_outbox_backlog 0$/m.test(text) ? text : undefined;
      },
      { timeoutMs: 30_000 },
    );
    auditPages = [];
    for (let after = ''; ;) {
      const answer = await fetch(`${url}/sagas/${sagaId}/audit?limit=3${after}`, {
        headers: ADMIN_HEADERS,
      });
      expect(answer.status).toBe(200);
      auditPages.push((await answer.json()) as (typeof auditPages)[number]);
      const next = auditPages.at(-1)!.nextCursor;
      if (next === null) break;
      after = `&after=${next}`;
    }
    // A cursor past a bigint's range is the caller's to fix, named: not a database error.
    const overflow = await fetch(`${url}/sagas/${sagaId}/audit?after=9999999999999999999`, {
      headers: ADMIN_HEADERS,
    });
    expect(overflow.status).toBe(400);
    expect(((await overflow.json()) as { problems: { field: string }[] }).problems).toEqual([
      expect.objectContaining({ field: 'after' }),
    ]);
    // The compensation's reply is the last span of the saga to be exported.
    await waitFor(
      'the spans of the compensation',
      () =>
        receiver.spans.some(
          (span) =>
            span.name === `process ${topicNames(prefix).replies}` &&
            span.attributes['saga.action'] === 'compensate',
        ) || undefined,
      { timeoutMs: 30_000 },
    );
    // SIGTERM flushes what the span processors still hold.
    expect(await participants.stop('SIGTERM')).toBe(0);
    expect(await coordinator.stop('SIGTERM')).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await participants?.stop('SIGKILL');
    await coordinator?.stop('SIGKILL');
    await receiver?.close();
    await environment?.dispose();
  });

  const sagaSpans = () => {
    const root = receiver.spans.find(
      (span) => span.name === 'saga order' && span.attributes['saga.id'] === sagaId,
    );
    if (!root) throw new Error(`no root span for saga ${sagaId}`);
    return { root, trace: receiver.spans.filter((span) => span.traceId === root.traceId) };
  };

  it("continues the caller's trace, with spans from the coordinator and the participants", () => {
    const { root, trace } = sagaSpans();
    // The POST carried a W3C traceparent: the saga continues the caller's trace.
    expect(root).toMatchObject({ traceId: CALLER_TRACE_ID, parentSpanId: CALLER_SPAN_ID });
    expect(root.service).toBe('saga-coordinator');
    expect(new Set(trace.map((span) => span.service))).toEqual(
      new Set(['saga-coordinator', 'sample-participants']),
    );
    // Every span carrying this saga's id is in this trace, and every parent is in it too.
    const ids = new Set(trace.map((span) => span.spanId));
    for (const span of receiver.spans.filter((s) => s.attributes['saga.id'] === sagaId)) {
      expect(span.traceId).toBe(root.traceId);
    }
    for (const span of trace) if (span !== root) expect(ids.has(span.parentSpanId)).toBe(true);
  });

  it('links each attempt: step -> send command -> participant handling -> send reply -> apply reply', () => {
    const { root, trace } = sagaSpans();
    const children = (parent: ReceivedSpan, name: string) =>
      trace.filter((span) => span.parentSpanId === parent.spanId && span.name === name);
    const chain = (step: ReceivedSpan, participant: string) => {
      const [send] = children(step, `send ${prefix}${participant}.commands`);
      expect(send).toMatchObject({ service: 'saga-coordinator', kind: PRODUCER });
      const [handle] = children(send!, `process ${prefix}${participant}.commands`);
      expect(handle).toMatchObject({ service: 'sample-participants', kind: CONSUMER });
      const [reply] = children(handle!, `send ${prefix}saga.replies`);
      expect(reply).toMatchObject({ service: 'sample-participants', kind: PRODUCER });
      const [applied] = children(reply!, `process ${prefix}saga.replies`);
      expect(applied).toMatchObject({ service: 'saga-coordinator', kind: CONSUMER });
      expect(applied!.attributes).toMatchObject({
        'saga.id': sagaId,
        'saga.step': step.attributes['saga.step'],
        'saga.attempt': step.attributes['saga.attempt'],
        'messaging.system': 'kafka',
      });
      return applied!;
    };
    const attempts = children(root, 'step authorize-payment');
    expect(attempts.map((span) => span.attributes['saga.attempt']).sort()).toEqual([1, 2, 3, 4]);
    for (const attempt of attempts) {
      expect(attempt.attributes).toMatchObject({ 'saga.id': sagaId, 'saga.type': 'order' });
      expect(chain(attempt, 'payment').attributes['saga.outcome']).toBe('error');
    }
    const [reserve] = children(root, 'step reserve-inventory');
    expect(chain(reserve!, 'inventory').attributes['saga.outcome']).toBe('success');
    const [compensation] = children(root, 'compensate reserve-inventory');
    expect(compensation!.attributes).toMatchObject({ 'saga.action': 'compensate' });
    expect(chain(compensation!, 'inventory').attributes['saga.outcome']).toBe('success');
    const [compensating] = children(root, 'saga order compensating');
    expect(compensating!.attributes).toMatchObject({
      'saga.outcome': 'step-failed',
      'saga.step': 'authorize-payment',
    });
    expect(children(root, 'saga order compensated')).toHaveLength(1);
  });

  it('instruments the Kafka client in both processes although it is loaded as ESM', () => {
    const kafkajsSpans = receiver.spans.filter(
      (span) => span.scope === '@opentelemetry/instrumentation-kafkajs',
    );
    expect(new Set(kafkajsSpans.map((span) => span.service))).toEqual(
      new Set(['saga-coordinator', 'sample-participants']),
    );
  });

  it('counts on /metrics what happened', () => {
    const value = (series: string) => {
      const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('saga_started_total{saga_type="order",version="1"}')).toBe(1);
    expect(value('saga_ended_total{saga_type="order",version="1",status="compensated"}')).toBe(1);
    expect(
      value('saga_ended_total{saga_type="order",version="1",status="completed"}'),
    ).toBeUndefined();
    const payment = 'saga_type="order",step="authorize-payment",action="execute"';
    expect(value(`saga_step_attempts_total{${payment}}`)).toBe(4);
    expect(value(`saga_step_retries_total{${payment}}`)).toBe(3);
    const errors = metrics
      .split('\n')
      .filter((l) => l.startsWith(`saga_step_outcomes_total{${payment},outcome="error"`));
    expect(errors.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)).toBe(4);
    expect(value('saga_compensations_total{saga_type="order",step="reserve-inventory"}')).toBe(1);
    expect(value('saga_compensations_total{saga_type="order",step="authorize-payment"}')).toBe(1);
    expect(
      value(
        'saga_step_attempts_total{saga_type="order",step="reserve-inventory",action="compensate"}',
      ),
    ).toBe(1);
    expect(value('saga_duration_seconds_count{saga_type="order",status="compensated"}')).toBe(1);
    expect(value('saga_outbox_backlog')).toBe(0);
    expect(value('saga_outbox_oldest_age_seconds')).toBe(0);
    // Nothing is open any more; the consumer lag is read from the broker for both groups.
    expect(metrics).not.toMatch(/^saga_open\{/m);
    for (const topic of [topicNames(prefix).start, topicNames(prefix).replies]) {
      const lag = value(`saga_consumer_lag{group="saga-coordinator.${topic}",topic="${topic}"}`);
      expect(lag).toBeGreaterThanOrEqual(0);
    }
    // Where a reply's time went: its age when handed to the decisions, the decision, the commit.
    const replies = topicNames(prefix).replies;
    expect(value(`saga_consumer_message_age_seconds_count{topic="${replies}"}`)).toBeGreaterThan(0);
    for (const stage of ['handle', 'commit']) {
      const chunks = value(
        `saga_consumer_chunk_seconds_count{topic="${replies}",stage="${stage}"}`,
      );
      expect(chunks).toBeGreaterThan(0);
    }
  });

  it("encodes kafkajs's records lean with tracing's require hook in place", () => {
    // leanKafkajsRecords warns when a hook hands out kafkajs's own record encoder instead.
    const logs = `${coordinator.output()}\n${participants.output()}`;
    expect(logs).not.toContain("records stay kafkajs's own");
  });

  it('never lets the sensitive card token reach a log line or a span attribute', () => {
    const logs = `${coordinator.output()}\n${participants.output()}`;
    // Every request was logged (debug), with its headers: the API key's value is not there.
    expect(logs).toContain(`"authorization":"${REDACTED}"`);
    expect(logs).not.toContain(TEST_KEYS.admin);
    // The start line logs the input, with the sensitive field redacted.
    const startLine = logs
      .split('\n')
      .find((l) => l.includes('"saga started"') && l.includes(sagaId));
    expect(JSON.parse(startLine!).input).toMatchObject({
      orderId: 'o-obs-1',
      payment: { cardToken: '[REDACTED]' },
    });
    expect(logs).not.toContain(SECRET);
    const attributes = receiver.spans.flatMap((span) => Object.values(span.attributes).map(String));
    expect(attributes.length).toBeGreaterThan(0);
    expect(attributes.filter((value) => value.includes(SECRET))).toEqual([]);
  });

  it('keeps the audit trail: every transition with its time, cause and actor, paged', () => {
    const entries = auditPages.flatMap((page) => page.items);
    expect(auditPages.slice(0, -1).every((page) => page.items.length === 3)).toBe(true);
    expect(entries.map((entry) => entry.eventType)).toEqual(
      expect.arrayContaining(['start', 'reply', 'wakeup']),
    );
    expect(entries[0]).toMatchObject({ eventType: 'start', actor: 'client' });
    const actors = new Set(entries.map((entry) => entry.actor));
    expect(actors).toEqual(
      new Set(['client', 'participant:payment', 'participant:inventory', 'coordinator:timer']),
    );
    // Four errors, then the void's reply.
    expect(entries.filter((entry) => entry.actor === 'participant:payment')).toHaveLength(5);
    expect(entries.every((entry) => !Number.isNaN(Date.parse(entry.at)) && entry.detail)).toBe(
      true,
    );
    expect(entries.some((entry) => /compensat/.test(entry.detail))).toBe(true);
  });
});
