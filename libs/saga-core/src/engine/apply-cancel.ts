import { beginCompensation } from './compensation-rules.js';
import type { SagaStatus } from '../state/saga-state.js';
import type { CancelEvent } from './engine-event.js';
import { operatorNote } from './operator-note.js';
import { pivotSent } from './pivot-sent.js';
import type { TransitionDraft } from './transition-draft.js';

/** Cancels a running saga that has not reached its pivot: it compensates what it did, like after a failure. */
export function applyCancel(draft: TransitionDraft, event: CancelEvent): void {
  const status = draft.fields.status;
  if (status !== 'running') return draft.reject('illegal-in-state', REFUSALS[status]);
  if (pivotSent(draft)) {
    const pivot = draft.definition.graph.pivot as string;
    return draft.reject(
      'illegal-in-state',
      `the pivot step ${pivot} has been sent: the saga can only go forward`,
    );
  }
  draft.note(operatorNote('cancelled', event));
  beginCompensation(draft, {
    type: 'cancelled',
    actor: event.actor,
    ...(event.reason === undefined ? {} : { reason: event.reason }),
  });
}

/** Why a cancel is refused in each status but `running` (terminal sagas are refused before this rule). */
const REFUSALS: Record<Exclude<SagaStatus, 'running'>, string> = {
  compensating: 'the saga is already compensating',
  stuck: 'the saga is stuck: resume it instead',
  completed: 'the saga is completed: it is final',
  compensated: 'the saga is compensated: it is final',
};
