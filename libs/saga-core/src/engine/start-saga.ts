import { issuesText, type JsonValue } from '#contracts';
import type { AnySagaDefinition } from '../definition/saga-definition.js';
import type { SagaState } from '../state/saga-state.js';
import type { StepState } from '../state/step-state.js';
import { advanceForward } from './advance-forward.js';

import { deadlineWakeupId } from './message-ids.js';
import { buildJson, runUserCode } from './run-user-code.js';
import { TransitionDraft } from './transition-draft.js';
import type { Rejection, StartResult } from './transition-result.js';

/** Saga ids: letters, digits, `.`, `-` and `_` (a UUID fits), 200 at most; no `:` so composed ids stay unambiguous. */
export const SAGA_ID_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/** What a start needs besides the definition: the id, the input, the time and a draw. */
export interface StartSagaOptions {
  readonly sagaId: string;
  readonly input: unknown;
  /** Epoch ms. */
  readonly at: number;
  /** A uniform draw in [0, 1). */
  readonly random: number;
}

/** Starts a saga: validates the input, builds the first context, sends the root steps and sets the deadline. */
export function startSaga(definition: AnySagaDefinition, options: StartSagaOptions): StartResult {
  const { sagaId, at } = options;
  if (!SAGA_ID_PATTERN.test(sagaId)) {
    return refuse('invalid-input', `sagaId: use 1 to 200 letters, digits, '.', '-' or '_'`);
  }
  const parsed = definition.input.safeParse(options.input);
  if (!parsed.success) {
    return refuse('invalid-input', `input ${issuesText(parsed.error.issues)}`);
  }
  const made = runUserCode(() => definition.initialContext(parsed.data));
  if (!made.ok) return refuse('invalid-input', `initialContext threw: ${made.message}`);
  const context = buildJson(() => made.value as JsonValue, 'the initial context');
  if (!context.ok) return refuse('invalid-input', context.message);
  const steps: Record<string, StepState> = {};
  for (const step of definition.steps) steps[step.id] = { status: 'pending' };
  const deadlineAt = definition.deadlineMs === undefined ? undefined : at + definition.deadlineMs;
  const initial: SagaState = {
    sagaId,
    sagaType: definition.name,
    sagaVersion: definition.version,
    input: parsed.data as JsonValue,
    context: context.value,
    startedAt: at,
    updatedAt: at,
    ...(deadlineAt === undefined ? {} : { deadlineAt }),
    pivotPassed: false,
    deadlinePassed: false,
    revision: 0,
    steps,
    status: 'running',
  };
  const draft = new TransitionDraft(
    definition,
    initial,
    at,
    options.random,
    { eventType: 'start' },
    undefined,
  );
  draft.publish('saga.started', undefined, { input: initial.input });
  draft.note(`started ${definition.name} v${definition.version}`);
  if (deadlineAt !== undefined) {
    draft.schedule(deadlineWakeupId(sagaId), deadlineAt, { kind: 'deadline' });
  }
  advanceForward(draft);
  return draft.finish();
}

function refuse(code: Rejection['code'], message: string): StartResult {
  return { state: null, effects: [], rejection: { code, message } };
}
