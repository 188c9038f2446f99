// Commands for the participant kit's and the sample participants' unit tests.
import type { CommandMessage } from '#contracts';

/** A valid command to `inventory`; every field can be overridden. */
export function commandFor(overrides: Partial<CommandMessage> = {}): CommandMessage {
  const sagaId = overrides.sagaId ?? 'saga-1';
  const stepId = overrides.stepId ?? 'reserve-inventory';
  const action = overrides.action ?? 'execute';
  const attempt = overrides.attempt ?? 1;
  return {
    messageId: `${sagaId}:${stepId}:${action}:${attempt}`,
    sagaId,
    sagaType: 'order',
    sagaVersion: 1,
    stepId,
    action,
    attempt,
    participant: 'inventory',
    commandType: 'inventory.reserve',
    idempotencyKey: action === 'execute' ? `${sagaId}:${stepId}` : `${sagaId}:${stepId}:compensate`,
    replyTo: 'test.saga.replies',
    payload: { orderId: 'o-1', items: [{ sku: 'apple', quantity: 2 }] },
    sentAt: '2026-11-28T09:00:00.000Z',
    ...overrides,
  };
}
