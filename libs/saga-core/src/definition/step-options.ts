import type { JsonValue } from '#contracts';
import type { RetryPolicyOptions } from '../retry/retry-policy.js';
import type { BreakerOpenPolicy, StepKind } from './step-kind.js';

/** How to undo a step: a command to the same participant, built from the saga's context. */
export interface CompensationOptions<TContext> {
  /** The command type of the compensation. */
  readonly command: string;
  /** Builds the compensation's payload from the context (results of earlier steps included). */
  buildCommand(context: TContext): JsonValue;
  /** Reply timeout of the compensation in ms (default: the step's `timeoutMs`, or none). */
  readonly timeoutMs?: number;
}

/** One step of a saga, as given to the builder; `TKnown` are the ids of the steps declared before it. */
export interface StepOptions<TContext, TId extends string, TKnown extends string> {
  /** Unique within the saga: letters, digits, `-` and `_`, starting with a letter. */
  readonly id: TId;
  /** The participant that runs the command (it names the topic `<participant>.commands`). */
  readonly participant: string;
  /** The command type sent to the participant. */
  readonly command: string;
  /** Builds the command's payload from the context. */
  buildCommand(context: TContext): JsonValue;
  /** Folds the participant's result into the context (default: the context is unchanged). */
  onSuccess?(context: TContext, result: JsonValue): TContext;
  /** Required for `compensatable` steps, refused on the others. */
  readonly compensation?: CompensationOptions<TContext>;
  /** Default `compensatable`. */
  readonly kind?: StepKind;
  /** Steps that must have succeeded before this one starts (default: none, so it starts at once). */
  readonly dependsOn?: readonly TKnown[];
  /** Retry policy of the command (default 3 attempts; retriable steps: no limit). */
  readonly retry?: RetryPolicyOptions;
  /** Retry policy of the compensation (default 5 attempts). */
  readonly compensationRetry?: RetryPolicyOptions;
  /** How long to wait for a reply before the attempt counts as timed out, in ms (default: forever). */
  readonly timeoutMs?: number;
  /** Default `wait`: hold the command while the participant's breaker is open. */
  readonly whenBreakerOpen?: BreakerOpenPolicy;
}
