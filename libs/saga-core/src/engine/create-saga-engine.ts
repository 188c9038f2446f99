import type { SagaRef, SagaRegistry } from '../registry/saga-registry.js';
import { isTerminal, type SagaState } from '../state/saga-state.js';
import { applyCancel } from './apply-cancel.js';
import { applyCommandRefused } from './apply-command-refused.js';
import { applyReply } from './apply-reply.js';
import { applyResume } from './apply-resume.js';
import { applyRetryStep } from './apply-retry-step.js';
import { applyUndeliverable } from './apply-undeliverable.js';
import { applyDueDeadline, applyWakeup } from './apply-wakeup.js';
import type { EngineEvent } from './engine-event.js';
import { startSaga, type StartSagaOptions } from './start-saga.js';
import { TransitionDraft, type AuditSubject } from './transition-draft.js';
import type { StartResult, TransitionResult } from './transition-result.js';

/** The saga state machine: pure functions from (state, event) to (state, effects). */
export interface SagaEngine {
  /** Starts a saga of the referenced definition (the latest version when none is given). */
  start(ref: SagaRef, options: StartSagaOptions): StartResult;
  /** Applies one event to a saga; the definition is looked up by the type and version the saga started with. */
  transition(state: SagaState, event: EngineEvent): TransitionResult;
}

/** Creates an engine over the definitions of a registry. */
export function createSagaEngine(registry: SagaRegistry): SagaEngine {
  return {
    start(ref, options) {
      const definition = registry.resolve(ref);
      if (definition === undefined) {
        const version = ref.version === undefined ? '' : ` version ${ref.version}`;
        return {
          state: null,
          effects: [],
          rejection: {
            code: 'unknown-definition',
            message: `no saga "${ref.name}"${version} is registered`,
          },
        };
      }
      return startSaga(definition, options);
    },
    transition(state, event) {
      const subject = auditSubject(event);
      const definition = registry.get(state.sagaType, state.sagaVersion);
      if (definition === undefined) {
        return {
          state,
          effects: [
            {
              type: 'append-audit',
              entry: {
                at: event.at,
                sagaId: state.sagaId,
                ...subject,
                fromStatus: state.status,
                toStatus: state.status,
                applied: false,
                detail: `refused: no saga "${state.sagaType}" version ${state.sagaVersion} is registered`,
              },
            },
          ],
          rejection: {
            code: 'unknown-definition',
            message: `no saga "${state.sagaType}" version ${state.sagaVersion} is registered`,
          },
        };
      }
      const draft = new TransitionDraft(
        definition,
        state,
        event.at,
        event.random,
        subject,
        state.status,
      );
      if (isTerminal(state)) {
        if (event.type === 'cancel' || event.type === 'resume' || event.type === 'retry-step') {
          draft.reject('illegal-in-state', `the saga is ${state.status}: it is final`);
        } else {
          draft.ignore(`ignored: the saga is ${state.status}`);
        }
        return draft.finish();
      }
      if (appliesDueDeadline(event)) applyDueDeadline(draft);
      switch (event.type) {
        case 'reply':
          applyReply(draft, event);
          break;
        case 'wakeup':
          applyWakeup(draft, event);
          break;
        case 'cancel':
          applyCancel(draft, event);
          break;
        case 'resume':
          applyResume(draft, event);
          break;
        case 'retry-step':
          applyRetryStep(draft, event);
          break;
        case 'undeliverable':
          applyUndeliverable(draft, event);
          break;
        case 'command-refused':
          applyCommandRefused(draft, event);
          break;
      }
      return draft.finish();
    },
  };
}

/**
 * Whether a deadline due by the event's time is applied before it (see applyDueDeadline): not
 * for the deadline's own timer, nor for a cancel or a step retry, which an operator asks of the
 * saga as they see it (a cancel would be refused as "already compensating", and nothing done;
 * the timer, due, fires next), nor for a message set aside as undeliverable: that decision's
 * messages go ahead of the saga's earlier ones, which only its `saga.stuck` may (the timer fires
 * on the stuck saga next, and its resume turns it back).
 */
function appliesDueDeadline(event: EngineEvent): boolean {
  if (event.type === 'cancel' || event.type === 'retry-step') return false;
  if (event.type === 'undeliverable') return false;
  return event.type !== 'wakeup' || event.kind !== 'deadline';
}

function auditSubject(event: EngineEvent): AuditSubject {
  switch (event.type) {
    case 'reply':
      return { eventType: 'reply', stepId: event.stepId, attempt: event.attempt };
    case 'wakeup':
      return event.kind === 'deadline'
        ? { eventType: 'wakeup' }
        : { eventType: 'wakeup', stepId: event.stepId, attempt: event.attempt };
    case 'cancel':
      return { eventType: 'cancel', actor: event.actor };
    case 'resume':
      return { eventType: 'resume', actor: event.actor };
    case 'retry-step':
      return { eventType: 'retry-step', actor: event.actor, stepId: event.stepId };
    case 'undeliverable':
      return { eventType: 'undeliverable' };
    case 'command-refused':
      return { eventType: 'command-refused', stepId: event.stepId, attempt: event.attempt };
  }
}
