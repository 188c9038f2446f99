// The order saga as a document (definitions/order.v1.yaml) against the TypeScript one
// (order.saga.ts): driven through the engine by the same random participants (errors, business
// failures, lost replies, results without the id a step needs), both send the same commands at
// the same virtual times and end the same way, with the same context.
import { join } from 'node:path';
import type { JsonValue, SagaEventMessage } from '#contracts';
import type { CommandToSend } from '#saga-core';
import { runSaga, type SagaRun } from '#saga-core/testing';
import { definitionFile, definitionsFolder } from '#definitions';
import { orderSaga } from './order.saga.js';

const RESULT_FIELD: Record<string, string> = {
  'inventory.reserve': 'reservationId',
  'payment.authorize': 'authorizationId',
  'payment.capture': 'captureId',
  'shipping.schedule': 'shipmentId',
  'notification.send': 'notificationId',
};

/** A success's result: the id the step needs, except for one command in nine (off contract). */
function result(command: CommandToSend): JsonValue {
  const field = RESULT_FIELD[command.commandType];
  if (field === undefined) return { undone: true };
  const offContract = [...command.messageId].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 9 === 0;
  return offContract ? { other: 'x' } : { [field]: `${field}:${command.sagaId}`, extra: 1 };
}

/** What must match: every command as sent, and every event without its free-text messages. */
function observable(run: SagaRun) {
  return {
    commands: run.commands.map(({ at, command }) => ({ at, ...command })),
    events: run.events.map((event: SagaEventMessage) => withoutMessages(event)),
    status: run.finalState.status,
    context: run.finalState.context,
  };
}

function withoutMessages(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMessages);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'message')
      .map(([key, inner]) => [key, withoutMessages(inner)]),
  );
}

const inputs = [
  {
    orderId: 'o-1',
    customerId: 'c-1',
    items: [{ sku: 'apple', quantity: 2 }],
    amount: 42,
    currency: 'EUR',
  },
  {
    orderId: 'o-2',
    customerId: 'c-2',
    items: [
      { sku: 'pear', quantity: 1 },
      { sku: 'plum', quantity: 3 },
    ],
    amount: 19.8,
    currency: 'USD',
    payment: { cardToken: 'tok-1' },
  },
];

describe('the order saga as a definition document', () => {
  const document = definitionFile(join(definitionsFolder(), 'order.v1.yaml'));

  it('has the same name, version, deadline, sensitive fields and step graph', () => {
    const shape = (d: typeof orderSaga | typeof document) => ({
      name: d.name,
      version: d.version,
      deadlineMs: d.deadlineMs,
      sensitive: d.sensitive,
      events: d.events,
      steps: d.steps.map((s) => ({
        id: s.id,
        participant: s.participant,
        command: s.command,
        kind: s.kind,
        dependsOn: s.dependsOn,
        retry: s.retry,
        timeoutMs: s.timeoutMs,
        whenBreakerOpen: s.whenBreakerOpen,
        compensation: s.compensation && {
          command: s.compensation.command,
          retry: s.compensation.retry,
          timeoutMs: s.compensation.timeoutMs,
        },
      })),
    });
    expect(shape(document)).toEqual(shape(orderSaga));
  });

  it.each([0, 1])('behaves as the TypeScript saga under 150 random runs (input %i)', (which) => {
    const random = { errorRate: 0.15, failureRate: 0.03, timeoutRate: 0.03, result };
    for (let seed = 1; seed <= 150; seed++) {
      const options = {
        random,
        seed,
        sagaId: `00000000-0000-4000-8000-${String(seed).padStart(12, '0')}`,
      };
      const typed = observable(runSaga(orderSaga, inputs[which], options));
      const fromDocument = observable(runSaga(document, inputs[which], options));
      expect({ seed, ...fromDocument }).toEqual({ seed, ...typed });
    }
  });

  it('refuses the inputs the TypeScript saga refuses, naming the same fields', () => {
    const bad = [
      { ...inputs[0], amount: 0 },
      { ...inputs[0], currency: 'eur' },
      { ...inputs[0], items: [] },
      { ...inputs[0], items: [{ sku: 'apple', quantity: 1.5 }] },
      { ...inputs[0], items: [{ sku: 'apple', quantity: 1e20 }] },
      { ...inputs[1], payment: { cardToken: '' } },
      { orderId: 'o-3' },
    ];
    for (const input of bad) {
      const fields = (schema: { safeParse: typeof document.input.safeParse }) => {
        const parsed = schema.safeParse(input);
        return parsed.success
          ? []
          : parsed.error.issues.map((issue) => issue.path.join('.')).sort();
      };
      expect(fields(document.input)).toEqual(fields(orderSaga.input));
    }
  });

  it('names an unknown field itself (zod names the object holding it)', () => {
    const parsed = document.input.safeParse({ ...inputs[0], extra: true });
    expect(parsed.success ? [] : parsed.error.issues.map((issue) => issue.path)).toEqual([
      ['extra'],
    ]);
  });
});
