import type { CommandAction, ReplyOutcome } from '#contracts';

/** What every event carries: the time (epoch ms) and one uniform draw in [0, 1) that seeds any jitter. */
export interface EventBase {
  readonly at: number;
  readonly random: number;
}

/** A participant's reply to one command attempt. */
export interface ReplyEvent extends EventBase {
  readonly type: 'reply';
  readonly messageId: string;
  readonly stepId: string;
  readonly action: CommandAction;
  readonly attempt: number;
  readonly outcome: ReplyOutcome;
}

/** The timers a saga sets: a step's retry and reply timeout, a compensation's, and the saga deadline. */
export type Wakeup =
  | {
      readonly kind: 'retry' | 'reply-timeout' | 'compensation-retry' | 'compensation-timeout';
      readonly stepId: string;
      readonly attempt: number;
    }
  | { readonly kind: 'deadline' };

/** The kind of a wakeup. */
export type WakeupKind = Wakeup['kind'];

/** A timer that came due. */
export type WakeupEvent = EventBase & {
  readonly type: 'wakeup';
  readonly wakeupId: string;
} & Wakeup;

/** An operator asks to stop the saga and undo what it did. */
export interface CancelEvent extends EventBase {
  readonly type: 'cancel';
  readonly actor: string;
  readonly reason?: string;
}

/** An operator asks a stuck saga to try again. */
export interface ResumeEvent extends EventBase {
  readonly type: 'resume';
  readonly actor: string;
  readonly reason?: string;
}

/**
 * An operator asks for one step to be tried again now: a step awaiting its reply or backing off
 * gets its next attempt at once (the earlier attempt is fenced off), forward or compensation;
 * on a stuck saga, a halted step is tried again as a resume does.
 */
export interface RetryStepEvent extends EventBase {
  readonly type: 'retry-step';
  readonly actor: string;
  readonly stepId: string;
  readonly reason?: string;
}

/**
 * One of the saga's messages can never be sent (its topic is gone or forbidden, it is too large,
 * its payload cannot be opened): the adapter set it aside, and the saga stops as `stuck` with
 * the reason until an operator resumes it.
 */
export interface UndeliverableEvent extends EventBase {
  readonly type: 'undeliverable';
  /** The topic the message was for. */
  readonly topic: string;
  /** Why it can never be sent, for the operator. */
  readonly reason: string;
}

/**
 * The coordinator did not send a step's command: its participant is unavailable (circuit
 * breaker open). What that means for the step is the engine's to say (failsFastWhenUnavailable):
 * a fail-fast step fails at once with `PARTICIPANT_UNAVAILABLE`, and the saga compensates.
 */
export interface CommandRefusedEvent extends EventBase {
  readonly type: 'command-refused';
  readonly stepId: string;
  readonly attempt: number;
  /** Why, for the audit (e.g. `circuit breaker open`). */
  readonly reason: string;
}

/** Everything that can happen to a started saga. */
export type EngineEvent =
  | ReplyEvent
  | WakeupEvent
  | CancelEvent
  | ResumeEvent
  | RetryStepEvent
  | UndeliverableEvent
  | CommandRefusedEvent;
