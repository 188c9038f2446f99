// The commands of a probe, and the contexts they are built from, as the coordinator builds them;
// and why a rule is not checked when one cannot be built.
import { issuesText, type Issue, type JsonValue } from '#contracts';
import type { StepDefinition } from '#saga-core';
import type { CommandSpec } from './probe-session.js';
import { ancestorsOf, type StepProbe } from './step-probes.js';

/** The participant's own earlier steps did not succeed, so a rule could not be checked. */
export class PrerequisiteFailed extends Error {}

/**
 * A rule cannot be checked through no fault of the participant: a command the sample inputs
 * cannot build, a result the inputs give that the definition refuses. Reported SKIP.
 */
export class NotCheckable extends Error {}

/** A command of the participant in a new saga `sagaId`. */
export type ContactCommand = (sagaId: string) => CommandSpec;

/**
 * A command for the checks of the participant as a whole, which only need one it answers: the
 * first probed step's whose command builds from the saga's start and the results the inputs
 * give; or, when none builds, why not for each.
 */
export function contactCommand(
  probes: readonly StepProbe[],
):
  | { readonly ok: true; readonly command: ContactCommand }
  | { readonly ok: false; readonly reasons: string[] } {
  const reasons: string[] = [];
  for (const probe of probes) {
    try {
      let context = probe.initialContext;
      for (const earlier of probe.before) {
        if (earlier.source === 'given') {
          context = foldGiven(probe, earlier.step, context, earlier.result);
        }
      }
      const spec = forward(probe, '', context, 1);
      return { ok: true, command: (sagaId) => ({ ...spec, sagaId }) };
    } catch (error) {
      if (!(error instanceof NotCheckable)) throw error;
      reasons.push(`${subjectOf(probe)}: ${error.message}`);
    }
  }
  return { ok: false, reasons };
}

/** `order v1 / schedule-shipping`. */
export function subjectOf(probe: StepProbe): string {
  return `${probe.definition.name} v${probe.definition.version} / ${probe.step.id}`;
}

/** The context after another participant's step succeeded with the result the inputs give. */
export function foldGiven(
  probe: StepProbe,
  step: StepDefinition<unknown>,
  context: unknown,
  result: JsonValue,
): unknown {
  return foldOr(
    step,
    context,
    result,
    (error) =>
      new NotCheckable(
        `the saga definition refuses the result --inputs ${probe.sampleKey} gives for ${step.id}: ${whyRefused(error)}`,
      ),
  );
}

/** Steps of other participants that `step` depends on whose results the inputs do not give. */
export function missingResults(
  probe: StepProbe,
  step: StepDefinition<unknown>,
): StepDefinition<unknown>[] {
  const ancestors = ancestorsOf(probe.definition, step);
  return probe.before
    .filter((earlier) => earlier.source === 'missing' && ancestors.has(earlier.step.id))
    .map((earlier) => earlier.step);
}

/** `the result of a (p): give it in --inputs as ...`, for messages. */
function resultsToGive(probe: StepProbe, missing: readonly StepDefinition<unknown>[]): string {
  const named = missing.map((s) => `${s.id} (${s.participant})`).join(', ');
  const shape = missing.map((s) => `"${s.id}": ...`).join(', ');
  return `the result of ${named}: give it in --inputs as "${probe.sampleKey}": { "input": ..., "results": { ${shape} } }`;
}

/** `without the result of a (p): give it in --inputs as ...`, for messages. */
export function withoutResults(
  probe: StepProbe,
  missing: readonly StepDefinition<unknown>[],
): string {
  return `without ${resultsToGive(probe, missing)}`;
}

/** `build()`, where a payload that cannot be built means the rule cannot be checked. */
function builtOrGiveUp(
  probe: StepProbe,
  step: StepDefinition<unknown>,
  what: 'command' | 'compensation',
  build: () => JsonValue,
): JsonValue {
  try {
    return build();
  } catch (error) {
    const missing = missingResults(probe, step);
    const cannot = `the ${what} of ${step.id} cannot be built (${whyRefused(error)})`;
    throw new NotCheckable(
      missing.length > 0
        ? `${cannot}: it needs ${resultsToGive(probe, missing)}`
        : `${cannot} from the sample input of ${probe.sampleKey}`,
    );
  }
}

/**
 * The first (or `attempt`-th) command of `step` of the probe's saga in `sagaId`, built from
 * `context` (default: the probe's own step).
 */
export function forward(
  probe: StepProbe,
  sagaId: string,
  context: unknown,
  attempt: number,
  step: StepDefinition<unknown> = probe.step,
): CommandSpec {
  return {
    sagaId,
    sagaType: probe.definition.name,
    sagaVersion: probe.definition.version,
    stepId: step.id,
    action: 'execute',
    attempt,
    commandType: step.command,
    payload: builtOrGiveUp(probe, step, 'command', () => step.buildCommand(context)),
  };
}

/** The compensation of the probed step in `sagaId`, built from `context`. */
export function compensate(
  probe: StepProbe,
  sagaId: string,
  context: unknown,
  outcomeUnknown: boolean,
): CommandSpec {
  const compensation = probe.step.compensation!;
  return {
    sagaId,
    sagaType: probe.definition.name,
    sagaVersion: probe.definition.version,
    stepId: probe.step.id,
    action: 'compensate',
    attempt: 1,
    commandType: compensation.command,
    payload: builtOrGiveUp(probe, probe.step, 'compensation', () =>
      compensation.buildCommand(context),
    ),
    outcomeUnknown,
  };
}

/** The context after `step` succeeded with `result`; throws when the definition refuses it. */
export function fold(step: StepDefinition<unknown>, context: unknown, result: JsonValue): unknown {
  return step.onSuccess === undefined ? context : step.onSuccess(context, result);
}

/** `fold`, where a result the definition refuses means the rule cannot be checked. */
export function foldOrGiveUp(
  step: StepDefinition<unknown>,
  context: unknown,
  result: JsonValue,
): unknown {
  return foldOr(
    step,
    context,
    result,
    () => new PrerequisiteFailed(`the saga definition refuses the result of ${step.id}`),
  );
}

/** `fold`, throwing `refused(error)` when the definition refuses the result. */
function foldOr(
  step: StepDefinition<unknown>,
  context: unknown,
  result: JsonValue,
  refused: (error: unknown) => Error,
): unknown {
  try {
    return fold(step, context, result);
  } catch (error) {
    throw refused(error);
  }
}

/** A zod-like error as `path: message; …`, any other error as its message. */
export function whyRefused(error: unknown): string {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues)) return issuesText(issues as Issue[]);
  return error instanceof Error ? error.message : String(error);
}
