import type { JsonValue } from '#contracts';
import type { RetryPolicy } from '../retry/retry-policy.js';
import type { InputSchema } from './input-schema.js';
import type { StepGraph } from './step-graph.js';
import type { BreakerOpenPolicy, StepKind } from './step-kind.js';

/**
 * Which lifecycle events of a saga go to `saga.events`: `outcomes`, the ones of
 * `OUTCOME_EVENT_TYPES` (its end, and what needs an operator), or `every-step`, all of them.
 */
export type SagaEventSelection = 'outcomes' | 'every-step';

/** A checked compensation with its retry policy resolved. */
export interface CompensationDefinition<TContext = unknown> {
  readonly command: string;
  readonly retry: RetryPolicy;
  readonly timeoutMs?: number;
  buildCommand(context: TContext): JsonValue;
}

/** A checked step with defaults filled in. */
export interface StepDefinition<TContext = unknown> {
  readonly id: string;
  readonly participant: string;
  readonly command: string;
  readonly kind: StepKind;
  readonly dependsOn: readonly string[];
  readonly retry: RetryPolicy;
  readonly timeoutMs?: number;
  readonly whenBreakerOpen: BreakerOpenPolicy;
  readonly compensation?: CompensationDefinition<TContext>;
  buildCommand(context: TContext): JsonValue;
  onSuccess?(context: TContext, result: JsonValue): TContext;
}

/** An immutable, checked saga definition, as built by `defineSaga(...).build()`. */
export interface SagaDefinition<TInput = unknown, TContext = unknown> {
  readonly name: string;
  readonly version: number;
  readonly input: InputSchema<TInput>;
  /** Time the whole saga is given, in ms from its start (default: none). */
  readonly deadlineMs?: number;
  /** Dotted paths (with `*` wildcards) of the input and context fields that hold secrets. */
  readonly sensitive: readonly string[];
  /** Which lifecycle events go to `saga.events` (see {@link SagaEventSelection}). */
  readonly events: SagaEventSelection;
  /** Steps in declaration order. */
  readonly steps: readonly StepDefinition<TContext>[];
  /** Steps by id. */
  readonly stepById: ReadonlyMap<string, StepDefinition<TContext>>;
  /** The dependency graph, precomputed for the engine. */
  readonly graph: StepGraph;
  initialContext(input: TInput): TContext;
}

/** A definition of any input and context, as the registry and the engine hold them. */
export type AnySagaDefinition = SagaDefinition<unknown, unknown>;
