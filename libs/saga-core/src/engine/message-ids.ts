import type { CommandAction } from '#contracts';

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

/** The id of a published saga event: `${sagaId}:${revision}:${index within the transition}`. */
export function sagaEventId(sagaId: string, revision: number, index: number): string {
  return `${sagaId}:${revision}:${index}`;
}
