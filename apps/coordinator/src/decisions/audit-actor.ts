import type { AnySagaDefinition, AuditEntry } from '#saga-core';

/** Who caused a start: the HTTP API or a `saga.start` message, on behalf of a client. */
export const CLIENT_ACTOR = 'client';
/** Who fires timers (retries, reply timeouts, deadlines). */
export const TIMER_ACTOR = 'coordinator:timer';
/** Who reports a message that can never be sent (the outbox relay). */
export const OUTBOX_ACTOR = 'coordinator:outbox';
/** Who refuses a fail-fast step's command while its participant's breaker is open. */
export const BREAKER_ACTOR = 'coordinator:breaker';

/**
 * The audit entry with its actor filled in when the engine left it out: operators name
 * themselves (cancel, resume); a reply is the step's participant's (`participant:<name>`); a
 * wakeup is the coordinator's timer; an undeliverable message the outbox's; a refused command
 * the breaker's; a start is the client's.
 */
export function withActor(
  entry: AuditEntry,
  definition: AnySagaDefinition | undefined,
): AuditEntry {
  if (entry.actor !== undefined) return entry;
  switch (entry.eventType) {
    case 'reply': {
      const step = definition?.steps.find((candidate) => candidate.id === entry.stepId);
      return { ...entry, actor: step ? `participant:${step.participant}` : 'participant' };
    }
    case 'wakeup':
      return { ...entry, actor: TIMER_ACTOR };
    case 'undeliverable':
      return { ...entry, actor: OUTBOX_ACTOR };
    case 'command-refused':
      return { ...entry, actor: BREAKER_ACTOR };
    case 'start':
      return { ...entry, actor: CLIENT_ACTOR };
    default:
      return entry;
  }
}
