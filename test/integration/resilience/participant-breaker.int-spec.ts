// A participant goes down while sagas keep starting: its breaker in the coordinator opens,
// commands for it wait in the database (or fail fast, per step), only probes reach its topic,
// and once it is back every waiting saga completes. Real Kafka and Postgres; the test plays
// the participants.
import { z } from 'zod';
import { createSagaRegistry, defineSaga } from '#saga-core';
import type { CommandMessage, JsonValue } from '#contracts';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { createCoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-core.module.js';
import { orderSaga } from '../../../apps/coordinator/src/sagas/order.saga.js';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { ScriptedParticipants, succeed } from '../../support/scripted-participants.js';
import { readTopics } from '../../support/topic-reader.js';
import { waitFor } from '../../support/wait-for.js';

const PROBES = 2;
const breakerSettings = {
  BREAKER_VOLUME_THRESHOLD: '4',
  BREAKER_ERROR_THRESHOLD_PERCENT: '50',
  BREAKER_RESET_TIMEOUT_MS: '1500',
  BREAKER_HALF_OPEN_PROBES: String(PROBES),
  CAPACITY_POLL_MS: '50',
  // Reply timeouts of 2 s, a saga deadline of 4 min: room for a loaded machine.
  TIME_SCALE: '0.4',
};

const orderInput = (orderId: string) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'apple', quantity: 1 }],
  amount: 10,
  currency: 'EUR',
});

/** Reserve stock, then authorize a payment that fails fast while the payment breaker is open. */
const quickOrderSaga = defineSaga({
  name: 'quick-order',
  version: 1,
  input: z.object({ orderId: z.string() }),
  initialContext: (input) => input,
})
  .step({
    id: 'reserve',
    participant: 'inventory',
    command: 'inventory.reserve',
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    timeoutMs: 5_000,
    compensation: {
      command: 'inventory.release',
      buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    },
  })
  .step({
    id: 'authorize',
    participant: 'payment',
    command: 'payment.authorize',
    dependsOn: ['reserve'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    timeoutMs: 5_000,
    whenBreakerOpen: 'fail-fast',
    compensation: { command: 'payment.void', buildCommand: (ctx) => ({ orderId: ctx.orderId }) },
  })
  .build();

interface BreakerChangeRow {
  to_state: string;
  at: Date;
}

describe('a participant circuit breaker on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorRuntime;
  let participants: ScriptedParticipants;
  let paymentDown = false;

  beforeEach(async () => {
    environment = await createEnvironment('it_breaker');
    coordinator = await createCoordinatorRuntime({
      config: environment.config(breakerSettings),
      registry: createSagaRegistry([orderSaga, quickOrderSaga]),
    });
    await coordinator.start();
    paymentDown = false;
    participants = await ScriptedParticipants.start(environment, {
      script: (command) =>
        paymentDown && command.participant === 'payment' ? undefined : succeed(command),
    });
  });

  afterEach(async () => {
    await participants?.stop();
    await coordinator?.stop();
    await environment?.dispose();
  });

  const start = async (
    sagaType: string,
    count: number,
    tag: string,
    input: (id: string) => JsonValue = orderInput,
  ) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const answer = await coordinator.decisions.start({
        sagaType,
        idempotencyKey: `${tag}-${i}`,
        input: input(`${tag}-${i}`),
      });
      ids.push(answer.sagaId);
    }
    return ids;
  };

  const breakerChanges = () =>
    environment.db.query<BreakerChangeRow>(
      `SELECT to_state, at FROM participant_breaker_log WHERE participant = 'payment' ORDER BY id`,
    );

  /** Payment commands the coordinator decided (or released) between two times. */
  const paymentCommandsSent = (from: Date, to: Date): CommandMessage[] =>
    participants
      .commands()
      .map((received) => received.command)
      .filter((command) => command.participant === 'payment')
      .filter((command) => {
        const sentAt = Date.parse(command.sentAt);
        return sentAt >= from.getTime() && sentAt < to.getTime();
      });

  it('holds commands while open, lets only probes through, and completes every waiting saga once the participant is back', async () => {
    paymentDown = true;
    const early = await start('order', 8, 'early');
    await waitFor('the payment breaker to open', async () =>
      (await breakerChanges()).some((row) => row.to_state === 'open'),
    );
    // Sagas keep starting while the breaker is open: their payment commands wait.
    const late = await start('order', 12, 'late');
    await waitFor(
      'held payment commands',
      async () => {
        const [row] = await environment.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM held_commands WHERE participant = 'payment'`,
        );
        return (row?.n ?? 0) >= 10;
      },
      { timeoutMs: 10_000 },
    );
    // Let at least one round of probes fail.
    await waitFor(
      'a second opening (a failed probe)',
      async () => (await breakerChanges()).filter((row) => row.to_state === 'open').length >= 2,
      { timeoutMs: 10_000 },
    );
    const [view] = coordinator.gate.status([]).filter((s) => s.participant === 'payment');
    expect(view?.breaker.state).toBe('open');
    expect(view?.commandsHeld).toBeGreaterThanOrEqual(10);

    paymentDown = false;
    const all = [...early, ...late];
    await waitForSagas(environment.db, all, ['completed', 'compensated'], 30_000);
    const statuses = await environment.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM sagas GROUP BY status`,
    );
    // Every saga that waited for the breaker completes.
    expect(statuses).toEqual([{ status: 'completed', n: all.length }]);

    const changes = await breakerChanges();
    const firstOpen = changes.find((row) => row.to_state === 'open')!.at;
    const closed = changes.find((row) => row.to_state === 'closed')!.at;
    const halfOpens = changes.filter((row) => row.to_state === 'half-open').length;
    expect(changes.map((row) => row.to_state)).toEqual(
      expect.arrayContaining(['open', 'half-open', 'closed']),
    );
    // No retry storm: while the breaker was not closed, only probes reached the topic.
    const sentWhileOpen = paymentCommandsSent(firstOpen, closed);
    expect(sentWhileOpen.length).toBeLessThanOrEqual(PROBES * halfOpens);
    expect(sentWhileOpen.length).toBeGreaterThan(0);
    const [held] = await environment.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM held_commands`,
    );
    expect(held?.n).toBe(0);
    // The change is published on saga.events, through the outbox.
    const opens = (await readTopics([coordinator.topics.events])).filter(
      (record) =>
        record.value !== null &&
        (JSON.parse(record.value) as { type?: string }).type === 'participant.breaker-opened',
    );
    expect(opens.length).toBeGreaterThanOrEqual(1);
    // And on the metrics.
    const metrics = await coordinator.metrics.registry.metrics();
    const opened = changes.filter((row) => row.to_state === 'open').length;
    expect(metrics).toContain(
      `saga_breaker_transitions_total{participant="payment",to="open"} ${opened}`,
    );
    expect(metrics).toContain('saga_breaker_state{participant="payment"} 0');
    expect(metrics).toContain('saga_stuck{kind="stuck"} 0');
  });

  it('fails a fail-fast step at once while the breaker is open, and the saga compensates', async () => {
    paymentDown = true;
    const idInput = (orderId: string) => ({ orderId });
    await start('quick-order', 6, 'trip', idInput);
    await waitFor('the payment breaker to open', async () =>
      (await breakerChanges()).some((row) => row.to_state === 'open'),
    );
    const refused = await start('quick-order', 10, 'refused', idInput);
    await waitForSagas(environment.db, refused, ['compensated'], 10_000);
    const refusedAuthorizations = participants
      .commands({ stepId: 'authorize', action: 'execute' })
      .filter((received) => refused.includes(received.command.sagaId));
    expect(refusedAuthorizations.length).toBeLessThanOrEqual(PROBES);
    const [audit] = await environment.db.query<{ n: number }>(
      `SELECT count(DISTINCT saga_id)::int AS n FROM saga_audit
       WHERE detail LIKE '%PARTICIPANT_UNAVAILABLE%' AND actor = 'coordinator:breaker' AND saga_id IN (SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb))`,
      [JSON.stringify(refused)],
    );
    expect(audit?.n).toBeGreaterThanOrEqual(refused.length - PROBES);
  });
});
