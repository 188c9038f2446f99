import type { CommandAction } from '#contracts';
import type { Wakeup } from './engine-event.js';

// Step ids cannot hold ':' and the trailing parts have a fixed count, so these ids never collide.

/** The id of one command attempt: `${sagaId}:${stepId}:${action}:${attempt}`. */
export function commandMessageId(
  sagaId: string,
  stepId: string,
  action: CommandAction,
  attempt: number,
): string {
  return `${sagaId}:${stepId}:${action}:${attempt}`;
}

/** The idempotency key of a step or of its compensation (defined by the wire contract). */
export { idempotencyKey } from '#contracts';

/** The id of a step timer: `${sagaId}:${stepId}:${kind}:${attempt}`. */
export function stepWakeupId(
  sagaId: string,
  stepId: string,
  kind: string,
  attempt: number,
): string {
  return `${sagaId}:${stepId}:${kind}:${attempt}`;
}

/** The id of the saga's deadline timer. */
export function deadlineWakeupId(sagaId: string): string {
  return `${sagaId}:deadline`;
}

const STEP_WAKEUP_KINDS: ReadonlySet<string> = new Set([
  'retry',
  'reply-timeout',
  'compensation-retry',
  'compensation-timeout',
]);

/**
 * What a timer wakes its saga for, from its id without the saga id and the ':' after it (the
 * id's key among the saga's timers, see stepWakeupId and deadlineWakeupId); undefined for a
 * key no timer id has.
 */
export function wakeupOfTimerKey(key: string): Wakeup | undefined {
  if (key === 'deadline') return { kind: 'deadline' };
  const [stepId, kind, attempt, ...rest] = key.split(':');
  if (stepId === undefined || stepId === '' || kind === undefined || attempt === undefined)
    return undefined;
  if (rest.length > 0 || !STEP_WAKEUP_KINDS.has(kind) || !/^[1-9][0-9]*$/.test(attempt))
    return undefined;
  return { kind: kind as Exclude<Wakeup['kind'], 'deadline'>, stepId, attempt: Number(attempt) };
}

/** The id of a published saga event: `${sagaId}:${revision}:${index within the transition}`. */
export function sagaEventId(sagaId: string, revision: number, index: number): string {
  return `${sagaId}:${revision}:${index}`;
}
