// What a saga definition written as a document costs next to the same saga in TypeScript: the
// order saga both ways (definitions/order.v1.yaml, compiled with CEL expressions and a JSON
// Schema input; apps/coordinator/src/sagas/order.saga.ts, zod and functions), driven through the
// engine in virtual time with participants that all succeed. Prints µs per saga (wall clock,
// one core busy) for each,
// and for the parts that differ: the input check, the payloads, the folds. Run:
// `npm run bench:definitions`.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { definitionFile, definitionsFolder } from '#definitions';
import type { AnySagaDefinition } from '#saga-core';
import { runSaga, succeed, type ParticipantScripts } from '#saga-core/testing';
import { orderSaga } from '../apps/coordinator/src/sagas/order.saga.js';

const SAGAS = Number(process.env.SAGAS ?? 20_000);
const ROUNDS = 5;

const input = {
  orderId: 'o-1',
  customerId: 'c-1',
  items: [
    { sku: 'apple', quantity: 2 },
    { sku: 'pear', quantity: 1 },
  ],
  amount: 42.5,
  currency: 'EUR',
  payment: { cardToken: 'tok-1' },
};

const participants: ParticipantScripts = {
  inventory: { 'inventory.reserve': succeed({ reservationId: 'r-1' }) },
  payment: {
    'payment.authorize': succeed({ authorizationId: 'a-1' }),
    'payment.capture': succeed({ captureId: 'c-1' }),
  },
  shipping: { 'shipping.schedule': succeed({ shipmentId: 's-1' }) },
  notification: { 'notification.send': succeed({ notificationId: 'n-1' }) },
};

const results: Record<string, unknown> = {
  'reserve-inventory': { reservationId: 'r-1' },
  'authorize-payment': { authorizationId: 'a-1' },
  'capture-payment': { captureId: 'c-1' },
  'schedule-shipping': { shipmentId: 's-1' },
  'notify-customer': { notificationId: 'n-1' },
};

/** µs per call of `work`, the best of ROUNDS rounds of `count` calls. */
function microseconds(count: number, work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < count; i++) work();
    best = Math.min(best, ((performance.now() - started) * 1000) / count);
  }
  return best;
}

function measure(definition: AnySagaDefinition) {
  const context = definition.initialContext(input);
  const full = (() => {
    let folded: unknown = context;
    for (const step of definition.steps)
      folded = step.onSuccess?.(folded, results[step.id] as never) ?? folded;
    return folded;
  })();
  return {
    saga: microseconds(SAGAS / 10, () => {
      if (runSaga(definition, input, { participants }).finalState.status !== 'completed') {
        throw new Error(`${definition.name} did not complete`);
      }
    }),
    input: microseconds(SAGAS, () => definition.input.safeParse(input)),
    payloads: microseconds(SAGAS, () => {
      for (const step of definition.steps) {
        step.buildCommand(context);
        step.compensation?.buildCommand(full);
      }
    }),
    folds: microseconds(SAGAS, () => {
      let folded: unknown = context;
      for (const step of definition.steps) {
        folded = step.onSuccess?.(folded, results[step.id] as never) ?? folded;
      }
    }),
  };
}

const document = definitionFile(join(definitionsFolder(), 'order.v1.yaml'));
measure(orderSaga); // warm-up of both
measure(document);
const typed = measure(orderSaga);
const written = measure(document);
const row = (name: string, m: typeof typed) =>
  `${name.padEnd(22)} ${m.saga.toFixed(1).padStart(8)} ${m.input.toFixed(2).padStart(8)} ${m.payloads
    .toFixed(2)
    .padStart(9)} ${m.folds.toFixed(2).padStart(8)}`;
console.log(`order saga, 5 steps, all succeed; µs per saga, wall clock (best of ${ROUNDS} rounds)`);
console.log(
  `${'definition'.padEnd(22)} ${'engine'.padStart(8)} ${'input'.padStart(8)} ${'payloads'.padStart(9)} ${'folds'.padStart(8)}`,
);
console.log(row('TypeScript (zod)', typed));
console.log(row('document (CEL, ajv)', written));
const extra =
  written.input + written.payloads + written.folds - (typed.input + typed.payloads + typed.folds);
console.log(
  `the document costs ${extra.toFixed(1)} µs more per saga in its expressions and checks`,
);
