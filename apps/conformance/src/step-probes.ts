import { issuesText, type JsonValue } from '#contracts';
import type { AnySagaDefinition, StepDefinition } from '#saga-core';
import { keysOf, samplesOf } from './sample-inputs.js';

/** A step that comes before the probed one in its saga, and how the kit gets past it. */
export type EarlierStep =
  /** The participant's own: the kit sends its command and folds the participant's result. */
  | { readonly source: 'participant'; readonly step: StepDefinition<unknown> }
  /** Another participant's, with a result from `--inputs`: the kit folds that result. */
  | { readonly source: 'given'; readonly step: StepDefinition<unknown>; readonly result: JsonValue }
  /** Another participant's without a result: what it would fold is missing from the context. */
  | { readonly source: 'missing'; readonly step: StepDefinition<unknown> };

/**
 * One step of a saga type served by the participant under test, with what the kit needs to
 * drive it as the coordinator would: the saga's initial context from a sample input, and the
 * steps that must succeed first (their results feed its payload).
 */
export interface StepProbe {
  readonly definition: AnySagaDefinition;
  readonly step: StepDefinition<unknown>;
  /**
   * In dependency order: the participant's own steps before this one, and the steps of other
   * participants that this one or those depend on and whose success adds to the context.
   */
  readonly before: readonly EarlierStep[];
  /** The saga's context at its start, from the sample input. */
  readonly initialContext: unknown;
  /** The key of the inputs the sample came from (`order`, `order@2`), for messages. */
  readonly sampleKey: string;
}

/** A saga version that names the participant but is not checked, and why. */
export interface SkippedSaga {
  /** `order v2`. */
  readonly saga: string;
  readonly reason: string;
}

/** The probes of `participant`, and the saga versions it cannot probe. */
export interface ProbePlan {
  readonly probes: readonly StepProbe[];
  /** Versions without a sample input, or whose schema refuses the one given. */
  readonly skipped: readonly SkippedSaga[];
}

/**
 * Finds every step of `definitions` that `participant` serves, in every version. Each version
 * needs a sample input its schema accepts (`inputs`, read by `samplesOf`); a version without
 * one is skipped, with the reason. Steps of other participants are not run: a payload built
 * from their results reads the results the inputs give, or finds them missing.
 */
export function planProbes(
  definitions: readonly AnySagaDefinition[],
  participant: string,
  inputs: Readonly<Record<string, unknown>>,
): ProbePlan {
  const sampleFor = samplesOf(inputs, definitions);
  const probes: StepProbe[] = [];
  const skipped: SkippedSaga[] = [];
  for (const definition of definitions) {
    const ordered = inDependencyOrder(definition.steps);
    const own = ordered.filter((s) => s.participant === participant);
    if (own.length === 0) continue;
    const saga = `${definition.name} v${definition.version}`;
    const [exact, any] = keysOf(definition);
    const sample = sampleFor(definition);
    if (sample === undefined) {
      skipped.push({
        saga,
        reason: `no sample input: give one for ${any} (or ${exact}) with --inputs`,
      });
      continue;
    }
    const parsed = definition.input.safeParse(sample.input);
    if (!parsed.success) {
      const why = issuesText(parsed.error.issues);
      skipped.push({
        saga,
        reason: `the sample input of ${sample.key} does not fit its schema: ${why}: give one for ${exact} with --inputs`,
      });
      continue;
    }
    const initialContext = definition.initialContext(parsed.data);
    own.forEach((step, index) => {
      const before = earlierSteps(definition, ordered, own.slice(0, index + 1), sample.results);
      probes.push({ definition, step, before, initialContext, sampleKey: sample.key });
    });
  }
  return { probes, skipped };
}

/**
 * What comes before the last of `own` (the participant's steps up to it, in dependency order):
 * the others of `own`, and the steps of other participants any of them depends on whose success
 * adds to the context, with their result from `results` when it is there.
 */
function earlierSteps(
  definition: AnySagaDefinition,
  ordered: readonly StepDefinition<unknown>[],
  own: readonly StepDefinition<unknown>[],
  results: Readonly<Record<string, JsonValue>>,
): EarlierStep[] {
  const step = own.at(-1)!;
  const participant = step.participant;
  const wanted = new Set(own.flatMap((s) => [s.id, ...ancestorsOf(definition, s)]));
  return ordered
    .filter((s) => s !== step && wanted.has(s.id))
    .filter((s) => s.participant === participant || s.onSuccess !== undefined)
    .map((s): EarlierStep => {
      if (s.participant === participant) return { source: 'participant', step: s };
      const result = results[s.id];
      return result === undefined
        ? { source: 'missing', step: s }
        : { source: 'given', step: s, result };
    });
}

/** The ids of the steps `step` depends on, directly or not. */
export function ancestorsOf(
  definition: AnySagaDefinition,
  step: StepDefinition<unknown>,
): Set<string> {
  const found = new Set<string>();
  const visit = (s: StepDefinition<unknown>) => {
    for (const id of s.dependsOn) {
      if (found.has(id)) continue;
      found.add(id);
      visit(definition.stepById.get(id)!);
    }
  };
  visit(step);
  return found;
}

/** Steps so that each comes after the steps it depends on (declaration order among equals). */
function inDependencyOrder<
  T extends { readonly id: string; readonly dependsOn: readonly string[] },
>(steps: readonly T[]): T[] {
  const placed = new Set<string>();
  const ordered: T[] = [];
  while (ordered.length < steps.length) {
    const next = steps.find((s) => !placed.has(s.id) && s.dependsOn.every((d) => placed.has(d)));
    if (next === undefined) throw new Error('the step graph has a cycle');
    placed.add(next.id);
    ordered.push(next);
  }
  return ordered;
}
