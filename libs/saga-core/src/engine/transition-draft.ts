import {
  OUTCOME_EVENT_TYPES,
  type JsonObject,
  type JsonValue,
  type SagaEventMessage,
  type SagaEventType,
} from '#contracts';
import type { AnySagaDefinition, StepDefinition } from '../definition/saga-definition.js';
import { drawsFrom, type RandomSource } from '../retry/random-source.js';
import type { SagaState, SagaStatus, SagaStatusFields } from '../state/saga-state.js';
import type { StepState } from '../state/step-state.js';
import type { AuditEntry, AuditEventType, Effect } from './effect.js';
import type { Wakeup } from './engine-event.js';
import { formatIsoTime } from './iso-time.js';
import { sagaEventId } from './message-ids.js';
import type { Rejection, TransitionResult } from './transition-result.js';

/** A copy of T whose fields can be set, for building a value field by field. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** What the audit entry of a transition says about its input. */
export interface AuditSubject {
  readonly eventType: AuditEventType;
  readonly stepId?: string;
  readonly attempt?: number;
  readonly actor?: string;
}

/**
 * The working copy of one transition: the rules edit it in place, and `finish` freezes it into the
 * next state. Only what changes is copied (the steps record on its first write), never the whole state.
 */
export class TransitionDraft {
  readonly sagaId: string;
  context: JsonValue;
  pivotPassed: boolean;
  deadlinePassed: boolean;
  fields: SagaStatusFields;
  readonly effects: Effect[] = [];
  private steps: Record<string, StepState>;
  private stepsCopied = false;
  private changed = false;
  private notes: string[] = [];
  private published = 0;
  private draws: RandomSource | undefined;
  private isoAt: string | undefined;
  private rejection: Rejection | undefined;

  constructor(
    readonly definition: AnySagaDefinition,
    readonly base: SagaState,
    readonly at: number,
    private readonly random: number,
    private readonly subject: AuditSubject,
    private readonly fromStatus: SagaStatus | undefined,
  ) {
    this.sagaId = base.sagaId;
    this.context = base.context;
    this.pivotPassed = base.pivotPassed;
    this.deadlinePassed = base.deadlinePassed;
    this.fields = statusFields(base);
    this.steps = base.steps as Record<string, StepState>;
  }

  /** The current state of a step. */
  step(id: string): StepState {
    return this.steps[id] as StepState;
  }

  /** Replaces the state of a step. */
  setStep(id: string, state: StepState): void {
    if (!this.stepsCopied) {
      this.steps = { ...this.steps };
      this.stepsCopied = true;
    }
    this.steps[id] = state;
    this.changed = true;
  }

  /** Moves the saga to another status. */
  setStatus(fields: SagaStatusFields): void {
    this.fields = fields;
    this.changed = true;
  }

  /** Adds a sentence to the audit detail. */
  note(text: string): void {
    this.notes.push(text);
  }

  /** Records that the event was fenced off or stale: nothing changes, only the audit entry is written. */
  ignore(reason: string): void {
    this.notes.push(reason);
  }

  /** Refuses an operator action: nothing changes, the audit entry and the result say why. */
  reject(code: Rejection['code'], message: string): void {
    this.rejection = { code, message };
    this.notes.push(`refused: ${message}`);
  }

  /** The next uniform draw in [0, 1), derived deterministically from the event's `random`. */
  nextRandom(): number {
    this.draws ??= drawsFrom(this.random);
    return this.draws();
  }

  /** Schedules a timer. */
  schedule(wakeupId: string, at: number, wakeup: Wakeup): void {
    this.effects.push({ type: 'schedule-wakeup', wakeupId, at, wakeup });
  }

  /** Cancels a timer. */
  cancelWakeup(wakeupId: string): void {
    this.effects.push({ type: 'cancel-wakeup', wakeupId });
  }

  /** Publishes a saga lifecycle event, if the definition's event selection takes it. */
  publish(type: SagaEventType, step?: StepDefinition, detail?: JsonObject): void {
    this.changed = true;
    if (this.definition.events === 'outcomes' && !OUTCOME_EVENT_TYPES.includes(type)) return;
    this.isoAt ??= formatIsoTime(this.at);
    const event: Writable<SagaEventMessage> = {
      eventId: sagaEventId(this.sagaId, this.base.revision + 1, this.published++),
      sagaId: this.sagaId,
      sagaType: this.base.sagaType,
      sagaVersion: this.base.sagaVersion,
      type,
      at: this.isoAt,
    };
    if (step !== undefined) event.stepId = step.id;
    if (detail !== undefined) event.detail = detail;
    this.effects.push({ type: 'publish-event', event });
  }

  /** Builds the next state and appends the audit entry as the last effect. */
  finish(): TransitionResult {
    const applied = this.changed && this.rejection === undefined;
    const state = applied ? this.build() : this.base;
    const effects = applied ? this.effects : [];
    const subject = this.subject;
    const entry: Writable<AuditEntry> = {
      at: this.at,
      sagaId: this.sagaId,
      eventType: subject.eventType,
      toStatus: state.status,
      applied,
      detail: this.notes.join('; '),
    };
    if (this.fromStatus !== undefined) entry.fromStatus = this.fromStatus;
    if (subject.stepId !== undefined) entry.stepId = subject.stepId;
    if (subject.attempt !== undefined) entry.attempt = subject.attempt;
    if (subject.actor !== undefined) entry.actor = subject.actor;
    effects.push({ type: 'append-audit', entry });
    return this.rejection === undefined
      ? { state, effects }
      : { state, effects, rejection: this.rejection };
  }

  private build(): SagaState {
    const base = this.base;
    return {
      sagaId: base.sagaId,
      sagaType: base.sagaType,
      sagaVersion: base.sagaVersion,
      input: base.input,
      context: this.context,
      startedAt: base.startedAt,
      updatedAt: this.at,
      ...(base.deadlineAt === undefined ? {} : { deadlineAt: base.deadlineAt }),
      pivotPassed: this.pivotPassed,
      deadlinePassed: this.deadlinePassed,
      revision: base.revision + 1,
      steps: this.steps,
      ...this.fields,
    };
  }
}

function statusFields(state: SagaState): SagaStatusFields {
  switch (state.status) {
    case 'running':
    case 'completed':
      return { status: state.status };
    case 'compensating':
    case 'compensated':
      return { status: state.status, cause: state.cause };
    case 'stuck':
      return state.phase === 'forward'
        ? { status: 'stuck', phase: 'forward', reason: state.reason }
        : { status: 'stuck', phase: 'compensation', cause: state.cause, reason: state.reason };
  }
}
