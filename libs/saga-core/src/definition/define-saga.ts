import { DefinitionError } from './definition-error.js';
import type { InputSchema } from './input-schema.js';
import { checkStepGraph } from './check-step-graph.js';
import { resolveStep, type AnyStepOptions } from './resolve-step.js';
import type { SagaDefinition, SagaEventSelection } from './saga-definition.js';
import type { StepOptions } from './step-options.js';

/** Saga type names: a letter, then letters, digits, `.`, `-` or `_` (200 at most). */
export const SAGA_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,199}$/;

/** The saga-wide part of a definition. */
export interface DefineSagaOptions<TInput, TContext> {
  /** The saga type, e.g. `order-checkout`. */
  readonly name: string;
  /** A positive integer; a running saga keeps the version it started with. */
  readonly version: number;
  /** Validates the input given at start (a zod schema fits). */
  readonly input: InputSchema<TInput>;
  /** Builds the first context from the validated input; the context must be plain JSON. */
  initialContext(input: TInput): TContext;
  /** Time the whole saga is given, in ms from its start (default: none). */
  readonly deadlineMs?: number;
  /**
   * Fields that hold secrets, as dotted paths into the input and the context (e.g.
   * `payment.cardToken`; `*` matches any key or array index). They are encrypted at rest and
   * redacted in logs, spans, API answers and dead letters.
   */
  readonly sensitive?: readonly string[];
  /**
   * Which lifecycle events go to `saga.events`: `outcomes` (default) its end and what needs an
   * operator, or `every-step` also its start, each step and the start of compensation.
   */
  readonly events?: SagaEventSelection;
}

/** The event selections a definition may name. */
const SAGA_EVENT_SELECTIONS: readonly SagaEventSelection[] = ['outcomes', 'every-step'];

/** A sensitive field path: keys (letters, digits, `_`, `-`) or `*`, joined by dots. */
export const SENSITIVE_PATH_PATTERN = /^(\*|[A-Za-z0-9_-]+)(\.(\*|[A-Za-z0-9_-]+))*$/;

/** A typed, immutable builder: each `step` returns a new builder that knows one more step id. */
export interface SagaBuilder<TInput, TContext, TKnown extends string> {
  /** Adds a step; `dependsOn` may only name steps added before it. */
  step<TId extends string>(
    options: StepOptions<TContext, TId, TKnown>,
  ): SagaBuilder<TInput, TContext, TKnown | TId>;
  /** Checks the whole definition and freezes it; throws a DefinitionError naming the step at fault. */
  build(): SagaDefinition<TInput, TContext>;
}

/** Starts the definition of a saga. */
export function defineSaga<TInput, TContext>(
  options: DefineSagaOptions<TInput, TContext>,
): SagaBuilder<TInput, TContext, never> {
  return builder(options, []);
}

function builder<TInput, TContext, TKnown extends string>(
  options: DefineSagaOptions<TInput, TContext>,
  steps: readonly AnyStepOptions[],
): SagaBuilder<TInput, TContext, TKnown> {
  return {
    step: (step) => builder(options, [...steps, step as unknown as AnyStepOptions]),
    build: () => buildDefinition(options, steps),
  };
}

function buildDefinition<TInput, TContext>(
  options: DefineSagaOptions<TInput, TContext>,
  stepOptions: readonly AnyStepOptions[],
): SagaDefinition<TInput, TContext> {
  const { name, version, deadlineMs, events = 'outcomes' } = options;
  const sensitive = Object.freeze([...(options.sensitive ?? [])]);
  if (typeof name !== 'string' || !SAGA_NAME_PATTERN.test(name)) {
    throw new DefinitionError(
      String(name),
      'a letter followed by letters, digits, ".", "-" or "_"',
      undefined,
      'name',
    );
  }
  if (!Number.isInteger(version) || version < 1) {
    throw new DefinitionError(name, 'must be an integer of at least 1', undefined, 'version');
  }
  if (deadlineMs !== undefined && !(Number.isFinite(deadlineMs) && deadlineMs > 0)) {
    throw new DefinitionError(name, 'must be a number of ms > 0', undefined, 'deadlineMs');
  }
  if (!SAGA_EVENT_SELECTIONS.includes(events)) {
    throw new DefinitionError(
      name,
      `must be one of ${SAGA_EVENT_SELECTIONS.join(', ')}`,
      undefined,
      'events',
    );
  }
  const badPath = sensitive.find((path) => !SENSITIVE_PATH_PATTERN.test(path));
  if (badPath !== undefined) {
    throw new DefinitionError(
      name,
      `"${badPath}" is not a dotted path of keys or "*"`,
      undefined,
      'sensitive',
    );
  }
  if (stepOptions.length === 0) {
    throw new DefinitionError(name, 'a saga needs at least one step', undefined, 'steps');
  }
  const steps = Object.freeze(stepOptions.map((step) => resolveStep(name, step)));
  const graph = checkStepGraph(name, steps);
  const definition: SagaDefinition<TInput, TContext> = {
    name,
    version,
    input: options.input,
    initialContext: options.initialContext,
    steps: steps as SagaDefinition<TInput, TContext>['steps'],
    stepById: new Map(steps.map((step) => [step.id, step])) as SagaDefinition<
      TInput,
      TContext
    >['stepById'],
    graph,
    sensitive,
    events,
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  };
  return Object.freeze(definition);
}
