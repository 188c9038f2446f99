import type { JsonValue } from '#contracts';
import type { SagaCause } from './saga-cause.js';
import type { StepState } from './step-state.js';

/** What every saga state carries, whatever its status. Plain JSON: times are epoch ms. */
export interface SagaStateBase {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly input: JsonValue;
  readonly context: JsonValue;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** When the deadline falls, in epoch ms (absent when the definition has none). */
  readonly deadlineAt?: number;
  /** True once the pivot step has succeeded: from then on the saga only goes forward. */
  readonly pivotPassed: boolean;
  /** True once the deadline wakeup has fired (a repeat of it is then ignored). */
  readonly deadlinePassed: boolean;
  /** Count of applied transitions; refused and fenced events leave it unchanged. */
  readonly revision: number;
  /** Every step of the definition, in declaration order. */
  readonly steps: Readonly<Record<string, StepState>>;
}

/** The part of a saga's state that depends on its status. */
export type SagaStatusFields =
  | { readonly status: 'running' }
  | { readonly status: 'compensating'; readonly cause: SagaCause }
  | { readonly status: 'completed' }
  | { readonly status: 'compensated'; readonly cause: SagaCause }
  | { readonly status: 'stuck'; readonly phase: 'forward'; readonly reason: string }
  | {
      readonly status: 'stuck';
      readonly phase: 'compensation';
      readonly cause: SagaCause;
      readonly reason: string;
    };

/**
 * Where a saga stands: `running` forward, `compensating` after a failure, `completed` or
 * `compensated` (both final), or `stuck` until an operator resumes it.
 */
export type SagaState = SagaStateBase & SagaStatusFields;

/** The status of a saga. */
export type SagaStatus = SagaState['status'];

/** Tells whether a saga has reached a final status (`completed` or `compensated`). */
export function isTerminal(state: SagaState): boolean {
  return state.status === 'completed' || state.status === 'compensated';
}
