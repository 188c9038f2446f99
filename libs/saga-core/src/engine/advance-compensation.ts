import type { StepDefinition } from '../definition/saga-definition.js';
import type { StepState } from '../state/step-state.js';
import { causeDetail } from './cause-detail.js';
import { sendCompensation } from './send-compensation.js';
import type { TransitionDraft } from './transition-draft.js';

/**
 * Moves a compensating saga on. While a forward step is in flight it waits. Then it compensates
 * in reverse dependency order: a step only once every step that depends on it no longer awaits
 * compensation; independent ones in parallel. Once a compensation is exhausted no new one starts,
 * and when nothing is in flight the saga is stuck; when nothing awaits compensation, compensated.
 */
export function advanceCompensation(draft: TransitionDraft): void {
  const fields = draft.fields;
  if (fields.status !== 'compensating') return;
  const steps = draft.definition.steps;
  let exhausted = false;
  for (const step of steps) {
    const status = draft.step(step.id).status;
    if (status === 'running') return;
    if (status === 'compensation-exhausted') exhausted = true;
  }
  for (let i = steps.length - 1; i >= 0 && !exhausted; i--) {
    const step = steps[i] as StepDefinition;
    const state = draft.step(step.id);
    if (!needsCompensation(state) || step.compensation === undefined) continue;
    if (!dependentsAreCompensated(draft, step)) continue;
    sendCompensation(draft, step, 1, 1, state.status !== 'succeeded');
    exhausted = draft.step(step.id).status === 'compensation-exhausted';
  }
  let inFlight = false;
  let awaiting = false;
  const exhaustedIds: string[] = [];
  for (const step of steps) {
    const state = draft.step(step.id);
    if (state.status === 'compensating' || state.status === 'compensation-backing-off') {
      inFlight = true;
    }
    if (state.status === 'compensation-exhausted') exhaustedIds.push(step.id);
    if (awaitsCompensation(step, state)) awaiting = true;
  }
  if (inFlight) return;
  if (exhaustedIds.length > 0) {
    const reason = `compensation of ${exhaustedIds.join(', ')} ran out of attempts`;
    draft.setStatus({ status: 'stuck', phase: 'compensation', cause: fields.cause, reason });
    draft.publish('saga.stuck', undefined, { phase: 'compensation', reason });
    draft.note(`stuck: ${reason}`);
  } else if (!awaiting) {
    draft.setStatus({ status: 'compensated', cause: fields.cause });
    draft.publish('saga.compensated', undefined, causeDetail(fields.cause));
    draft.note('compensated');
  }
}

/** A step is compensated only once every step that depends on it, directly or not, no longer awaits compensation. */
function dependentsAreCompensated(draft: TransitionDraft, step: StepDefinition): boolean {
  const descendants = draft.definition.graph.descendants.get(step.id) ?? [];
  for (const id of descendants) {
    const dependent = draft.definition.stepById.get(id) as StepDefinition;
    if (awaitsCompensation(dependent, draft.step(id))) return false;
  }
  return true;
}

/**
 * Whether a forward step's compensation must run: it succeeded, its outcome is unknown, or it
 * ended in a technical error. An error left nothing behind at the participant, but nothing closed
 * the step's key there either: a late copy of its command (a redelivery, a duplicate) would act
 * with no compensation to follow. Its compensation, sent as outcome-unknown, closes the key (the
 * late-command rule) and undoes what such a copy did. A business failure needs none: it is stored
 * under the key, and a copy gets the same refusal; nor does a step whose command never left.
 */
function needsCompensation(state: StepState): boolean {
  return (
    state.status === 'succeeded' ||
    state.status === 'outcome-unknown' ||
    (state.status === 'failed' && state.outcome.status === 'error' && state.attempts > 0)
  );
}

/** Whether a step has a compensation that has not yet succeeded although the step may have acted. */
function awaitsCompensation(step: StepDefinition, state: StepState): boolean {
  if (step.compensation === undefined) return false;
  if (needsCompensation(state)) return true;
  switch (state.status) {
    case 'compensating':
    case 'compensation-backing-off':
    case 'compensation-exhausted':
      return true;
    default:
      return false;
  }
}
