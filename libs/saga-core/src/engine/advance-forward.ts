import type { StepDefinition } from '../definition/saga-definition.js';
import { sendStep } from './forward-rules.js';
import { deadlineWakeupId } from './message-ids.js';
import type { TransitionDraft } from './transition-draft.js';

/**
 * Moves a running saga forward: sends every step whose dependencies all succeeded, completes the
 * saga when every step succeeded, or, once a step past the point of no return failed (or its
 * outcome is unknown), starts nothing new and halts as stuck when nothing is left in flight.
 */
export function advanceForward(draft: TransitionDraft): void {
  if (draft.fields.status !== 'running') return;
  const steps = draft.definition.steps;
  let halted = false;
  let inFlight = false;
  let allSucceeded = true;
  for (const step of steps) {
    const status = draft.step(step.id).status;
    if (status === 'failed' || status === 'outcome-unknown') halted = true;
    else if (status === 'running' || status === 'backing-off') inFlight = true;
    if (status !== 'succeeded') allSucceeded = false;
  }
  if (allSucceeded) return complete(draft);
  for (let i = 0; i < steps.length && !halted; i++) {
    const step = steps[i] as StepDefinition;
    if (draft.step(step.id).status !== 'pending' || !isReady(draft, step)) continue;
    sendStep(draft, step, 1, 1);
    if (draft.fields.status !== 'running') return;
    if (draft.step(step.id).status === 'running') inFlight = true;
    else halted = true; // its command could not be built
  }
  if (halted && !inFlight) haltAsStuck(draft);
}

function isReady(draft: TransitionDraft, step: StepDefinition): boolean {
  for (const id of step.dependsOn) if (draft.step(id).status !== 'succeeded') return false;
  return true;
}

function haltAsStuck(draft: TransitionDraft): void {
  const reasons: string[] = [];
  for (const step of draft.definition.steps) {
    const status = draft.step(step.id).status;
    if (status === 'failed') reasons.push(`step ${step.id} failed after the point of no return`);
    if (status === 'outcome-unknown') {
      reasons.push(`step ${step.id} has an unknown outcome after the point of no return`);
    }
  }
  const reason = reasons.join('; ');
  draft.setStatus({ status: 'stuck', phase: 'forward', reason });
  draft.publish('saga.stuck', undefined, { phase: 'forward', reason });
  draft.note(`stuck: ${reason}`);
}

function complete(draft: TransitionDraft): void {
  draft.setStatus({ status: 'completed' });
  if (draft.base.deadlineAt !== undefined && !draft.deadlinePassed) {
    draft.cancelWakeup(deadlineWakeupId(draft.sagaId));
  }
  draft.publish('saga.completed');
  draft.note('completed');
}
