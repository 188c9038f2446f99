import type { CommandAction } from './envelopes.js';

/**
 * The idempotency key of a step (`sagaId:stepId`) or of its compensation
 * (`sagaId:stepId:compensate`): the same on every attempt. Step ids cannot hold ':', so the two
 * never collide.
 */
export function idempotencyKey(sagaId: string, stepId: string, action: CommandAction): string {
  return action === 'execute' ? `${sagaId}:${stepId}` : `${sagaId}:${stepId}:compensate`;
}

/**
 * The code of the failure a participant answers to a command that arrives after its own
 * compensation (the late-command rule): the command is refused and never applied.
 */
export const ALREADY_COMPENSATED = 'ALREADY_COMPENSATED';
