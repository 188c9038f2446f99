// The bench saga's decisions written out by hand for the floor (no engine, no zod): for each
// start and reply, the same state, events, commands, audit line and timers as the coordinator's
// engine produces for `bench.three-step` (bench-saga.ts). Pure: ids and times come in.
import type {
  CommandAction,
  CommandMessage,
  FailureOutcome,
  ErrorOutcome,
  JsonObject,
  JsonValue,
  ReplyMessage,
  SagaEventMessage,
  SagaEventType,
} from '../../libs/contracts/src/index.js';

/** The saga the floor runs; mirrors BENCH_SAGA, ECHO_PARTICIPANT and REFUSAL_CODE of bench-saga.ts. */
export const FLOOR_SAGA = {
  name: 'bench.three-step',
  version: 1,
  participant: 'echo',
  refusalCode: 'BENCH_REFUSED',
} as const;

/**
 * Its steps in order, each with its command and compensation (mirrors BENCH_STEPS); the third is
 * the pivot: its refusal compensates the two before it, its success is the point of no return.
 */
export const FLOOR_STEPS = [
  { id: 'first', command: 'echo.first', undo: 'echo.undo-first', pivot: false },
  { id: 'second', command: 'echo.second', undo: 'echo.undo-second', pivot: false },
  { id: 'third', command: 'echo.third', undo: undefined, pivot: true },
] as const;

/** The reply timeout of every step and compensation, in ms (bench-saga.ts). */
export const FLOOR_REPLY_TIMEOUT_MS = 30_000;

/** What a bench saga starts with. */
export interface FloorInput {
  readonly key: string;
  readonly fail: boolean;
}

/** A step as the engine stores it (the subset of StepState the bench saga reaches). */
export type FloorStepState =
  | { readonly status: 'pending' | 'skipped' }
  | {
      readonly status: 'running';
      readonly attempt: number;
      readonly sentAt: number;
      readonly budgetFrom: number;
    }
  | { readonly status: 'succeeded'; readonly attempts: number; readonly result: JsonValue }
  | {
      readonly status: 'failed';
      readonly attempts: number;
      readonly outcome: FailureOutcome | ErrorOutcome;
    }
  | {
      readonly status: 'compensating';
      readonly attempt: number;
      readonly sentAt: number;
      readonly outcomeUnknown: boolean;
      readonly budgetFrom: number;
    }
  | { readonly status: 'compensated'; readonly attempts: number };

/** Why the saga turned back. */
export interface FloorCause {
  readonly type: 'step-failed';
  readonly stepId: string;
  readonly outcome: FailureOutcome | ErrorOutcome;
}

/** The saga's state, stored as JSON on its row: shaped like the engine's SagaState. */
export interface FloorSagaState {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly input: FloorInput;
  readonly context: FloorInput;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly pivotPassed: boolean;
  readonly deadlinePassed: boolean;
  /** Count of applied transitions. */
  readonly revision: number;
  readonly steps: Readonly<Record<string, FloorStepState>>;
  readonly status: 'running' | 'compensating' | 'completed' | 'compensated';
  readonly cause?: FloorCause;
}

/** One line of the audit log. */
export interface FloorAuditEntry {
  readonly eventType: 'start' | 'reply';
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly stepId: string | null;
  readonly attempt: number | null;
  readonly actor: string;
  readonly applied: boolean;
  readonly detail: string;
}

/** What goes out once the decision commits, in the order the engine emits it. */
export type FloorOutgoing =
  | { readonly kind: 'command'; readonly message: CommandMessage }
  | { readonly kind: 'event'; readonly message: SagaEventMessage };

/** The rows and messages of one decision about one saga. */
export interface FloorDecision {
  /** The new state; the old one when the reply was fenced off (`audit.applied` false). */
  readonly state: FloorSagaState;
  readonly audit: FloorAuditEntry;
  readonly outgoing: readonly FloorOutgoing[];
  /** Ids of the timers set (each would wake the saga if no reply came; the floor never fires them). */
  readonly timersSet: readonly string[];
  readonly timersCancelled: readonly string[];
}

const CLIENT_ACTOR = 'client';
const PARTICIPANT_ACTOR = `participant:${FLOOR_SAGA.participant}`;

/** Starts a saga: the first step goes out with its reply timeout. */
export function startDecision(
  sagaId: string,
  input: FloorInput,
  at: number,
  replyTo: string,
): FloorDecision {
  const steps: Record<string, FloorStepState> = {};
  for (const step of FLOOR_STEPS) steps[step.id] = { status: 'pending' };
  const base: FloorSagaState = {
    sagaId,
    sagaType: FLOOR_SAGA.name,
    sagaVersion: FLOOR_SAGA.version,
    input,
    context: input,
    startedAt: at,
    updatedAt: at,
    pivotPassed: false,
    deadlinePassed: false,
    revision: 0,
    steps,
    status: 'running',
  };
  const draft = new Draft(base, at, replyTo);
  draft.note(`started ${FLOOR_SAGA.name} v${FLOOR_SAGA.version}`);
  draft.send(0, 'execute');
  return draft.finish({ eventType: 'start', stepId: null, attempt: null, actor: CLIENT_ACTOR });
}

/**
 * Applies a participant's reply. A reply to a step or attempt the saga does not wait for is
 * fenced off: the state stays, only the audit line says why.
 */
export function replyDecision(
  state: FloorSagaState,
  reply: Pick<ReplyMessage, 'stepId' | 'action' | 'attempt' | 'outcome'>,
  at: number,
  replyTo: string,
): FloorDecision {
  const draft = new Draft(state, at, replyTo);
  const subject = {
    eventType: 'reply',
    stepId: reply.stepId,
    attempt: reply.attempt,
    actor: PARTICIPANT_ACTOR,
  } as const;
  const index = FLOOR_STEPS.findIndex((step) => step.id === reply.stepId);
  const current = state.steps[reply.stepId];
  const waiting = reply.action === 'execute' ? 'running' : 'compensating';
  if (
    index < 0 ||
    current?.status !== waiting ||
    current.attempt !== reply.attempt ||
    state.status !== (reply.action === 'execute' ? 'running' : 'compensating')
  ) {
    draft.note(`ignored: a reply to ${reply.action} ${reply.stepId} attempt ${reply.attempt}`);
    return draft.finish(subject, false);
  }
  if (reply.action === 'execute') applyExecuteReply(draft, index, reply);
  else applyCompensateReply(draft, index, reply);
  return draft.finish(subject);
}

/** True once the saga has ended (its row takes no more decisions). */
export function hasEnded(state: FloorSagaState): boolean {
  return state.status === 'completed' || state.status === 'compensated';
}

function applyExecuteReply(
  draft: Draft,
  index: number,
  reply: Pick<ReplyMessage, 'stepId' | 'attempt' | 'outcome'>,
): void {
  const { stepId, attempt, outcome } = reply;
  draft.cancel(timerId(draft.sagaId, stepId, 'reply-timeout', attempt));
  if (outcome.status === 'success') {
    draft.setStep(stepId, { status: 'succeeded', attempts: attempt, result: outcome.result });
    if (FLOOR_STEPS[index]!.pivot) draft.pivotPassed = true;
    draft.note(`step ${stepId} succeeded`);
    if (index + 1 < FLOOR_STEPS.length) {
      draft.send(index + 1, 'execute');
    } else {
      draft.status = 'completed';
      draft.publish('saga.completed');
      draft.note('completed');
    }
    return;
  }
  // The bench never retries: an error counts as final, like the refusal it expects.
  draft.setStep(stepId, { status: 'failed', attempts: attempt, outcome });
  draft.note(
    `step ${stepId} failed after ${attempt} attempt(s): ${outcome.status === 'failure' ? 'refused' : 'errored'} (${outcome.code})`,
  );
  const cause: FloorCause = { type: 'step-failed', stepId, outcome };
  draft.status = 'compensating';
  draft.cause = cause;
  draft.note(`compensating (${cause.type})`);
  for (const step of FLOOR_STEPS) {
    if (draft.step(step.id).status === 'pending') draft.setStep(step.id, { status: 'skipped' });
  }
  compensateNext(draft, index - 1);
}

function applyCompensateReply(
  draft: Draft,
  index: number,
  reply: Pick<ReplyMessage, 'stepId' | 'attempt' | 'outcome'>,
): void {
  const { stepId, attempt } = reply;
  draft.cancel(timerId(draft.sagaId, stepId, 'compensation-timeout', attempt));
  // The echo participant never refuses a compensation; the engine would retry one that did.
  draft.setStep(stepId, { status: 'compensated', attempts: attempt });
  draft.note(`step ${stepId} compensated`);
  compensateNext(draft, index - 1);
}

/** Compensates the newest succeeded step at or before `from`; none left: the saga is compensated. */
function compensateNext(draft: Draft, from: number): void {
  for (let index = from; index >= 0; index--) {
    const step = FLOOR_STEPS[index]!;
    if (step.undo !== undefined && draft.step(step.id).status === 'succeeded') {
      draft.send(index, 'compensate');
      return;
    }
  }
  draft.status = 'compensated';
  draft.publish('saga.compensated', undefined, causeDetail(draft.cause!));
  draft.note('compensated');
}

function outcomeDetail(outcome: FailureOutcome | ErrorOutcome): JsonObject {
  return { status: outcome.status, code: outcome.code, message: outcome.message };
}

function causeDetail(cause: FloorCause): JsonObject {
  return { cause: cause.type, stepId: cause.stepId, outcome: outcomeDetail(cause.outcome) };
}

function timerId(sagaId: string, stepId: string, kind: string, attempt: number): string {
  return `${sagaId}:${stepId}:${kind}:${attempt}`;
}

/** The working copy of one transition; `finish` freezes it into a decision. */
class Draft {
  readonly sagaId: string;
  status: FloorSagaState['status'];
  cause: FloorCause | undefined;
  pivotPassed: boolean;
  private readonly steps: Record<string, FloorStepState>;
  private readonly outgoing: FloorOutgoing[] = [];
  private readonly timersSet: string[] = [];
  private readonly timersCancelled: string[] = [];
  private readonly notes: string[] = [];
  private readonly iso: string;
  private published = 0;

  constructor(
    private readonly base: FloorSagaState,
    private readonly at: number,
    private readonly replyTo: string,
  ) {
    this.sagaId = base.sagaId;
    this.status = base.status;
    this.cause = base.cause;
    this.pivotPassed = base.pivotPassed;
    this.steps = { ...base.steps };
    this.iso = new Date(at).toISOString();
  }

  step(id: string): FloorStepState {
    return this.steps[id]!;
  }

  setStep(id: string, state: FloorStepState): void {
    this.steps[id] = state;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  cancel(timer: string): void {
    this.timersCancelled.push(timer);
  }

  publish(type: SagaEventType, stepId?: string, detail?: JsonObject): void {
    const event: SagaEventMessage = {
      eventId: `${this.sagaId}:${this.base.revision + 1}:${this.published++}`,
      sagaId: this.sagaId,
      sagaType: FLOOR_SAGA.name,
      sagaVersion: FLOOR_SAGA.version,
      type,
      at: this.iso,
      ...(stepId === undefined ? {} : { stepId }),
      ...(detail === undefined ? {} : { detail }),
    };
    this.outgoing.push({ kind: 'event', message: event });
  }

  /** Sends attempt 1 of step `index` (or of its compensation), with its reply timeout. */
  send(index: number, action: CommandAction): void {
    const step = FLOOR_STEPS[index]!;
    const compensate = action === 'compensate';
    const { key, fail } = this.base.context;
    const sagaId = this.sagaId;
    this.setStep(
      step.id,
      compensate
        ? {
            status: 'compensating',
            attempt: 1,
            sentAt: this.at,
            outcomeUnknown: false,
            budgetFrom: 1,
          }
        : { status: 'running', attempt: 1, sentAt: this.at, budgetFrom: 1 },
    );
    const command: CommandMessage = {
      messageId: `${sagaId}:${step.id}:${action}:1`,
      sagaId,
      sagaType: FLOOR_SAGA.name,
      sagaVersion: FLOOR_SAGA.version,
      stepId: step.id,
      action,
      attempt: 1,
      participant: FLOOR_SAGA.participant,
      commandType: compensate ? (step.undo ?? step.command) : step.command,
      idempotencyKey: compensate ? `${sagaId}:${step.id}:compensate` : `${sagaId}:${step.id}`,
      payload: { key, fail },
      ...(compensate ? { outcomeUnknown: false } : {}),
      replyTo: this.replyTo,
      sentAt: this.iso,
    };
    this.outgoing.push({ kind: 'command', message: command });
    const kind = compensate ? 'compensation-timeout' : 'reply-timeout';
    this.timersSet.push(timerId(sagaId, step.id, kind, 1));
    this.note(
      compensate ? `sent compensation of ${step.id} attempt 1` : `sent ${step.id} attempt 1`,
    );
  }

  finish(
    subject: Pick<FloorAuditEntry, 'eventType' | 'stepId' | 'attempt' | 'actor'>,
    applied = true,
  ): FloorDecision {
    const base = this.base;
    const state: FloorSagaState = applied
      ? {
          ...base,
          updatedAt: this.at,
          pivotPassed: this.pivotPassed,
          revision: base.revision + 1,
          steps: this.steps,
          status: this.status,
          ...(this.cause === undefined ? {} : { cause: this.cause }),
        }
      : base;
    const audit: FloorAuditEntry = {
      ...subject,
      fromStatus: subject.eventType === 'start' ? null : base.status,
      toStatus: state.status,
      applied,
      detail: this.notes.join('; '),
    };
    return applied
      ? {
          state,
          audit,
          outgoing: this.outgoing,
          timersSet: this.timersSet,
          timersCancelled: this.timersCancelled,
        }
      : { state, audit, outgoing: [], timersSet: [], timersCancelled: [] };
  }
}
