import type { JsonObject, JsonValue } from './json-value.js';

/** The version of the message schemas in this file; sent in the `saga-schema-version` header. */
export const SCHEMA_VERSION = 1;

/** Whether a command asks to perform a step or to undo it. */
export type CommandAction = 'execute' | 'compensate';

/** The participant did what was asked; `result` is folded into the saga's context. */
export interface SuccessOutcome {
  readonly status: 'success';
  readonly result: JsonValue;
}

/** A business refusal (e.g. insufficient funds): final, never retried; the saga compensates. */
export interface FailureOutcome {
  readonly status: 'failure';
  readonly code: string;
  readonly message: string;
  readonly details?: JsonValue;
}

/** A technical error: retried unless `retryable` is false or the step lists its code as non-retryable. */
export interface ErrorOutcome {
  readonly status: 'error';
  readonly code: string;
  readonly message: string;
  readonly retryable?: boolean;
}

/** What a participant answers to a command. */
export type ReplyOutcome = SuccessOutcome | FailureOutcome | ErrorOutcome;

/** A command from the coordinator to one participant (topic `<participant>.commands`). */
export interface CommandMessage {
  /** `${sagaId}:${stepId}:${action}:${attempt}`: unique per attempt. */
  readonly messageId: string;
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly stepId: string;
  readonly action: CommandAction;
  /** 1 for the first try, then counting up; a reply must echo it. */
  readonly attempt: number;
  readonly participant: string;
  readonly commandType: string;
  /** The same on every attempt of a step (and another one for its compensation): participants dedupe on it. */
  readonly idempotencyKey: string;
  /** The topic to send the reply to. */
  readonly replyTo: string;
  readonly payload: JsonValue;
  /** On compensations only: the forward command may or may not have taken effect. */
  readonly outcomeUnknown?: boolean;
  /** ISO-8601 time the command was sent. */
  readonly sentAt: string;
}

/** A participant's answer to one command attempt (topic `saga.replies`). */
export interface ReplyMessage {
  readonly messageId: string;
  readonly sagaId: string;
  readonly stepId: string;
  readonly action: CommandAction;
  readonly attempt: number;
  readonly outcome: ReplyOutcome;
  /** ISO-8601 time the reply was sent. */
  readonly repliedAt: string;
}

/** A request to start a saga (topic `saga.start`); `idempotencyKey` makes a resend start nothing new. */
export interface StartSagaMessage {
  readonly sagaType: string;
  /** The definition version to run; the latest when absent. */
  readonly sagaVersion?: number;
  readonly idempotencyKey: string;
  readonly input: JsonValue;
}

/** The kinds of saga lifecycle event. */
export type SagaEventType =
  | 'saga.started'
  | 'saga.step-completed'
  | 'saga.step-failed'
  | 'saga.compensating'
  | 'saga.step-compensated'
  | 'saga.completed'
  | 'saga.compensated'
  | 'saga.stuck'
  | 'saga.deadline-passed';

/**
 * The events published for every saga: its end, and what needs an operator. The others
 * (started, each step, compensating) only for saga types that ask for every step.
 */
export const OUTCOME_EVENT_TYPES: readonly SagaEventType[] = Object.freeze([
  'saga.completed',
  'saga.compensated',
  'saga.stuck',
  'saga.deadline-passed',
]);

/** A saga lifecycle event published for anyone to read (topic `saga.events`). */
export interface SagaEventMessage {
  readonly eventId: string;
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  /** The key the saga was started with: how a starter on `saga.start` finds its saga's end. */
  readonly idempotencyKey?: string;
  readonly type: SagaEventType;
  readonly stepId?: string;
  /** ISO-8601 time of the event. */
  readonly at: string;
  readonly detail?: JsonObject;
}

/**
 * A saga type's definition event (topic `saga.events`, keyed by saga type): the ramp of a new
 * version was rolled back to 0% because its sagas failed more often than the active version's.
 */
export interface DefinitionEventMessage {
  readonly eventId: string;
  readonly sagaType: string;
  /** The version that was ramping. */
  readonly version: number;
  readonly type: 'definition.ramp-rolled-back';
  /** ISO-8601 time of the roll-back. */
  readonly at: string;
  /** Why, in words, with the counts. */
  readonly detail: string;
}

/** The kinds of participant event: a coordinator instance's breaker for it changed state. */
export type ParticipantEventType =
  'participant.breaker-opened' | 'participant.breaker-half-open' | 'participant.breaker-closed';

/** A participant health event (topic `saga.events`, keyed by participant name). */
export interface ParticipantEventMessage {
  readonly eventId: string;
  readonly participant: string;
  readonly type: ParticipantEventType;
  /** The coordinator instance whose breaker it is (breakers are per instance). */
  readonly instance: string;
  /** ISO-8601 time of the change. */
  readonly at: string;
  /** Why, in words. */
  readonly detail: string;
}
