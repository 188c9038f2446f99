import type { UndeliverableEvent } from './engine-event.js';
import type { TransitionDraft } from './transition-draft.js';

/**
 * Stops a saga one of whose messages can never be sent: it becomes `stuck` (forward or
 * compensation, whichever phase it was in) with the reason, until an operator resumes it. Steps
 * in flight stay in flight; their timers are ignored while the saga is stuck and armed afresh
 * on resume (see applyResume).
 */
export function applyUndeliverable(draft: TransitionDraft, event: UndeliverableEvent): void {
  const fields = draft.fields;
  const reason = `a message to ${event.topic} can never be sent: ${event.reason}`;
  if (fields.status === 'stuck') return draft.ignore(`ignored: already stuck; ${reason}`);
  if (fields.status === 'running') {
    draft.setStatus({ status: 'stuck', phase: 'forward', reason });
    draft.publish('saga.stuck', undefined, { phase: 'forward', reason });
  } else if (fields.status === 'compensating') {
    draft.setStatus({ status: 'stuck', phase: 'compensation', cause: fields.cause, reason });
    draft.publish('saga.stuck', undefined, { phase: 'compensation', reason });
  }
  draft.note(`stuck: ${reason}`);
}
