// Micro-benchmark of the saga engine: drives many sagas of a 10-step definition with parallel
// branches through `transition`, replying to every command at once, and prints transitions per
// second for the success path and for the compensation path. Run: `npm run bench:engine`.
import { performance } from 'node:perf_hooks';
import type { ReplyOutcome } from '#contracts';
import {
  createSagaEngine,
  createSagaRegistry,
  defineSaga,
  type CommandToSend,
  type Effect,
  type SagaEngine,
  type SagaState,
} from '#saga-core';

interface Order {
  orderId: string;
  amount: number;
}

const input = {
  safeParse: (value: unknown) => ({ success: true as const, data: value as Order }),
};
const undo = (command: string) => ({
  command,
  buildCommand: (ctx: Order) => ({ id: ctx.orderId }),
});
const step = <TId extends string, TDep extends string>(
  id: TId,
  participant: string,
  dependsOn: readonly TDep[],
) => ({
  id,
  participant,
  command: `${id}-command`,
  dependsOn,
  buildCommand: (ctx: Order) => ({ orderId: ctx.orderId, amount: ctx.amount }),
  compensation: undo(`${id}-undo`),
  timeoutMs: 5_000,
});

/** validate → (reserve-a, reserve-b, reserve-c) → charge → (invoice, loyalty) → confirm (pivot) → (ship, notify). */
const checkout = defineSaga({
  name: 'bench-checkout',
  version: 1,
  input,
  initialContext: (order: Order) => order,
  deadlineMs: 3_600_000,
})
  .step(step('validate', 'orders', []))
  .step(step('reserveA', 'inventory-a', ['validate']))
  .step(step('reserveB', 'inventory-b', ['validate']))
  .step(step('reserveC', 'inventory-c', ['validate']))
  .step(step('charge', 'payment', ['reserveA', 'reserveB', 'reserveC']))
  .step(step('invoice', 'billing', ['charge']))
  .step(step('loyalty', 'loyalty', ['charge']))
  .step({
    id: 'confirm',
    participant: 'orders',
    command: 'confirm',
    kind: 'pivot',
    dependsOn: ['invoice', 'loyalty'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    timeoutMs: 5_000,
  })
  .step({
    id: 'ship',
    participant: 'shipping',
    command: 'ship',
    kind: 'retriable',
    dependsOn: ['confirm'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
    timeoutMs: 5_000,
  })
  .step({
    id: 'notify',
    participant: 'mail',
    command: 'notify',
    kind: 'retriable',
    dependsOn: ['confirm'],
    buildCommand: (ctx) => ({ orderId: ctx.orderId }),
  })
  .build();

const SUCCESS: ReplyOutcome = { status: 'success', result: { ok: true } };
const REFUSED: ReplyOutcome = { status: 'failure', code: 'refused', message: 'refused' };

/** Runs `count` sagas to their end, replying to each command as it is sent; returns the transitions applied. */
function drive(engine: SagaEngine, count: number, failingStep?: string): number {
  let transitions = 0;
  for (let i = 0; i < count; i++) {
    const started = engine.start(
      { name: 'bench-checkout' },
      { sagaId: `saga-${i}`, input: { orderId: `o-${i}`, amount: 10 }, at: 0, random: 0.5 },
    );
    let state = started.state as SagaState;
    const inbox: CommandToSend[] = [];
    collect(started.effects, inbox);
    for (let next = 0; next < inbox.length; next++) {
      const command = inbox[next] as CommandToSend;
      const refuse = command.stepId === failingStep && command.action === 'execute';
      const result = engine.transition(state, {
        type: 'reply',
        at: next + 1,
        random: 0.5,
        messageId: `reply-${next}`,
        stepId: command.stepId,
        action: command.action,
        attempt: command.attempt,
        outcome: refuse ? REFUSED : SUCCESS,
      });
      state = result.state;
      transitions++;
      collect(result.effects, inbox);
    }
    const expected = failingStep === undefined ? 'completed' : 'compensated';
    if (state.status !== expected) throw new Error(`saga ended ${state.status}, not ${expected}`);
  }
  return transitions + count;
}

function collect(effects: readonly Effect[], inbox: CommandToSend[]): void {
  for (const effect of effects) if (effect.type === 'send-command') inbox.push(effect.command);
}

/** Measures one path and prints its figures. */
function measure(label: string, engine: SagaEngine, sagas: number, failingStep?: string): void {
  drive(engine, Math.ceil(sagas / 10), failingStep); // warm-up
  const begin = performance.now();
  const transitions = drive(engine, sagas, failingStep);
  const seconds = (performance.now() - begin) / 1_000;
  const perSecond = Math.round(transitions / seconds);
  const micros = ((seconds * 1e6) / transitions).toFixed(2);
  console.log(
    `${label.padEnd(13)} ${sagas} sagas, ${transitions} transitions in ${seconds.toFixed(2)} s: ` +
      `${perSecond.toLocaleString('en-US')} transitions/s, ${micros} µs/transition, ` +
      `${Math.round(sagas / seconds).toLocaleString('en-US')} sagas/s`,
  );
}

const engine = createSagaEngine(createSagaRegistry([checkout]));
const sagas = Number(process.env['BENCH_SAGAS'] ?? 20_000);
console.log(`engine benchmark: 10-step saga with parallel branches, node ${process.version}`);
measure('success', engine, sagas);
measure('compensation', engine, sagas, 'loyalty');
