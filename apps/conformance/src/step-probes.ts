import { issuesText } from '#contracts';
import type { AnySagaDefinition, StepDefinition } from '#saga-core';

/**
 * One step of a saga type served by the participant under test, with what the kit needs to
 * drive it as the coordinator would: the saga's initial context from a sample input, and the
 * steps of the same participant that must succeed first (their results feed its payload).
 */
export interface StepProbe {
  readonly definition: AnySagaDefinition;
  readonly step: StepDefinition<unknown>;
  /** The participant's own steps before this one, in dependency order. */
  readonly before: readonly StepDefinition<unknown>[];
  /** The saga's context at its start, from the sample input. */
  readonly initialContext: unknown;
}

/** The probes of `participant`, and the saga types skipped for want of a sample input. */
export interface ProbePlan {
  readonly probes: readonly StepProbe[];
  /** Saga types that name the participant but have no sample input (give one with --inputs). */
  readonly withoutInput: readonly string[];
}

/**
 * Finds every step of `definitions` that `participant` serves. Each saga type needs a sample
 * input its schema accepts; steps of other participants are not run, so a payload built from
 * their results carries `null` there, as after a lost reply.
 */
export function planProbes(
  definitions: readonly AnySagaDefinition[],
  participant: string,
  inputs: Readonly<Record<string, unknown>>,
): ProbePlan {
  const names = new Set(definitions.map((definition) => definition.name));
  const unknown = Object.keys(inputs).filter((name) => !names.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `sample inputs for ${unknown.join(', ')}, which no definition names (give its document with --definitions)`,
    );
  }
  const probes: StepProbe[] = [];
  const withoutInput: string[] = [];
  for (const definition of definitions) {
    const own = inDependencyOrder(definition.steps).filter((s) => s.participant === participant);
    if (own.length === 0) continue;
    const label = `${definition.name} v${definition.version}`;
    const raw = inputs[definition.name];
    if (raw === undefined) {
      withoutInput.push(label);
      continue;
    }
    const parsed = definition.input.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `the sample input of ${label} does not fit its schema: ${issuesText(parsed.error.issues)}`,
      );
    }
    const initialContext = definition.initialContext(parsed.data);
    own.forEach((step, index) => {
      probes.push({ definition, step, before: own.slice(0, index), initialContext });
    });
  }
  return { probes, withoutInput };
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
