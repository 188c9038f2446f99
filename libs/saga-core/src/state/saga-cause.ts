import type { ErrorOutcome, FailureOutcome } from '#contracts';

/** Why a saga compensates: a step failed, a step's outcome is unknown, an operator cancelled, or the deadline passed. */
export type SagaCause =
  | {
      readonly type: 'step-failed';
      readonly stepId: string;
      readonly outcome: FailureOutcome | ErrorOutcome;
    }
  | { readonly type: 'step-outcome-unknown'; readonly stepId: string }
  | { readonly type: 'cancelled'; readonly actor: string; readonly reason?: string }
  | { readonly type: 'deadline'; readonly at: number };
