import type { JsonValue } from '#contracts';
import type { AttemptFailure, TimeoutOutcome } from './attempt-outcome.js';
import type { ErrorOutcome, FailureOutcome } from '#contracts';

/**
 * Where one step stands. Forward: `pending` → `running` ⇄ `backing-off` → `succeeded` | `failed` |
 * `outcome-unknown` | `skipped`. Backward: `compensating` ⇄ `compensation-backing-off` →
 * `compensated` | `compensation-exhausted`. `budgetFrom` is the attempt at which the current retry
 * budget began (1, or the first attempt after an operator resume). On `backing-off`,
 * `lastAttemptTimedOut` is true exactly when `lastOutcome` is a timeout.
 */
export type StepState =
  | { readonly status: 'pending' }
  | {
      readonly status: 'running';
      readonly attempt: number;
      readonly sentAt: number;
      readonly budgetFrom: number;
    }
  | {
      readonly status: 'backing-off';
      readonly attempt: number;
      readonly retryAt: number;
      readonly lastOutcome: ErrorOutcome | TimeoutOutcome;
      readonly lastAttemptTimedOut: boolean;
      readonly budgetFrom: number;
    }
  | { readonly status: 'succeeded'; readonly attempts: number; readonly result: JsonValue }
  | {
      readonly status: 'failed';
      readonly attempts: number;
      readonly outcome: FailureOutcome | ErrorOutcome;
    }
  | { readonly status: 'outcome-unknown'; readonly attempts: number }
  | { readonly status: 'skipped' }
  | {
      readonly status: 'compensating';
      readonly attempt: number;
      readonly sentAt: number;
      readonly outcomeUnknown: boolean;
      readonly budgetFrom: number;
    }
  | {
      readonly status: 'compensation-backing-off';
      readonly attempt: number;
      readonly retryAt: number;
      readonly lastOutcome: ErrorOutcome | TimeoutOutcome;
      readonly outcomeUnknown: boolean;
      readonly budgetFrom: number;
    }
  | { readonly status: 'compensated'; readonly attempts: number }
  | {
      readonly status: 'compensation-exhausted';
      readonly attempts: number;
      readonly lastOutcome: AttemptFailure;
      readonly outcomeUnknown: boolean;
    };

/** The status of a step. */
export type StepStatus = StepState['status'];

/** A step state of the given status. */
export type StepStateOf<S extends StepStatus> = Extract<StepState, { status: S }>;
