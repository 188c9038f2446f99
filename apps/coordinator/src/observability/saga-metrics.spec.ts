import { Registry } from 'prom-client';
import type { Effect, EngineEvent, SagaState } from '#saga-core';
import { MAX_CODES_PER_STEP, SagaMetrics } from './saga-metrics.js';

const T0 = 1_000_000;

function saga(status: string, revision: number, steps: Record<string, unknown> = {}): SagaState {
  return {
    sagaId: 's-1',
    sagaType: 'order',
    sagaVersion: 1,
    status,
    revision,
    startedAt: T0,
    steps,
  } as unknown as SagaState;
}

function send(stepId: string, attempt: number, action = 'execute'): Effect {
  return { type: 'send-command', command: { stepId, attempt, action } } as unknown as Effect;
}

function reply(stepId: string, outcome: object, action = 'execute'): EngineEvent {
  return { type: 'reply', stepId, action, attempt: 1, outcome } as unknown as EngineEvent;
}

async function series(registry: Registry): Promise<Map<string, number>> {
  const lines = (await registry.metrics()).split('\n').filter((l) => l && !l.startsWith('#'));
  return new Map(
    lines.map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
  );
}

describe('saga metrics', () => {
  it('counts starts, attempts, retries, outcomes by code, compensations and ends from the transitions', async () => {
    const registry = new Registry();
    const metrics = new SagaMetrics(registry);
    const running = saga('running', 1, { pay: { status: 'running', sentAt: T0 } });
    metrics.observe([{ before: null, event: null, after: running, effects: [send('pay', 1)] }], T0);
    const retrying = saga('running', 2, { pay: { status: 'running', sentAt: T0 + 500 } });
    metrics.observe(
      [
        {
          before: running,
          event: reply('pay', { status: 'error', code: 'TIMEOUT' }),
          after: retrying,
          effects: [],
        },
      ],
      T0 + 250,
    );
    metrics.observe(
      [{ before: retrying, event: null, after: retrying, effects: [send('pay', 2)] }],
      T0 + 500,
    );
    const compensating = saga('compensating', 3);
    metrics.observe(
      [
        {
          before: retrying,
          event: reply('pay', { status: 'failure', code: 'DECLINED' }),
          after: compensating,
          effects: [send('stock', 1, 'compensate')],
        },
      ],
      T0 + 1_500,
    );
    metrics.observe(
      [{ before: compensating, event: null, after: saga('compensated', 4), effects: [] }],
      T0 + 2_000,
    );

    const got = await series(registry);
    expect(got.get('saga_started_total{saga_type="order",version="1"}')).toBe(1);
    expect(got.get('saga_step_attempts_total{saga_type="order",step="pay",action="execute"}')).toBe(
      2,
    );
    expect(got.get('saga_step_retries_total{saga_type="order",step="pay",action="execute"}')).toBe(
      1,
    );
    const outcome = (o: string, code: string) =>
      got.get(
        `saga_step_outcomes_total{saga_type="order",step="pay",action="execute",outcome="${o}",code="${code}"}`,
      );
    expect(outcome('error', 'TIMEOUT')).toBe(1);
    expect(outcome('failure', 'DECLINED')).toBe(1);
    expect(got.get('saga_compensations_total{saga_type="order",step="stock"}')).toBe(1);
    expect(got.get('saga_ended_total{saga_type="order",version="1",status="compensated"}')).toBe(1);
    expect(got.get('saga_duration_seconds_sum{saga_type="order",status="compensated"}')).toBe(2);
    // The second reply came 1 s after its command (sent at T0 + 500).
    expect(
      got.get(
        'saga_step_duration_seconds_sum{saga_type="order",step="pay",action="execute",outcome="failure"}',
      ),
    ).toBe(1);
  });

  it('ignores a reply that changed nothing (fenced or duplicate)', async () => {
    const registry = new Registry();
    const metrics = new SagaMetrics(registry);
    const running = saga('running', 5, { pay: { status: 'running', sentAt: T0 } });
    metrics.observe(
      [
        {
          before: running,
          event: reply('pay', { status: 'success', result: {} }),
          after: running,
          effects: [],
        },
      ],
      T0,
    );
    expect(
      [...(await series(registry)).keys()].some((k) => k.startsWith('saga_step_outcomes_total')),
    ).toBe(false);
  });

  it('labels the first codes a step gets, and counts the others as other: a code that varies adds no series', async () => {
    const registry = new Registry();
    const metrics = new SagaMetrics(registry);
    const running = saga('running', 1, { pay: { status: 'running', sentAt: T0 } });
    // A participant that puts an upstream error id in its code: a new code at each reply.
    for (let n = 0; n < 1_000; n++) {
      const event = reply('pay', { status: 'error', code: `UPSTREAM_${n}` });
      metrics.observe([{ before: running, event, after: saga('running', 2), effects: [] }], T0);
    }
    const outcomes = [...(await series(registry))].filter(([name]) =>
      name.startsWith('saga_step_outcomes_total'),
    );
    expect(outcomes).toHaveLength(MAX_CODES_PER_STEP + 1);
    expect(outcomes.find(([name]) => name.includes('code="other"'))).toEqual([
      expect.any(String),
      1_000 - MAX_CODES_PER_STEP,
    ]);
    expect(outcomes.some(([name]) => name.includes('code="UPSTREAM_0"'))).toBe(true);
  });
});
