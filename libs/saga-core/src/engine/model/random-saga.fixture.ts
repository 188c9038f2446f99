// Random saga definitions for the model-based test of the engine.
import fc from 'fast-check';
import { z } from 'zod';
import { defineSaga } from '../../definition/define-saga.js';
import type { AnySagaDefinition } from '../../definition/saga-definition.js';

/** The shape of a random definition: for each step, its dependencies and policies. */
export interface StepSpec {
  readonly deps: number[];
  readonly maxAttempts: number;
  readonly timeout: boolean;
  readonly compensationAttempts: number;
}
/** The shape of a random definition: its steps, the index of its pivot if any, and whether it has a deadline. */
export interface SagaSpec {
  readonly steps: StepSpec[];
  readonly pivot: number | undefined;
  readonly deadline: boolean;
}

const stepSpec = (index: number): fc.Arbitrary<StepSpec> =>
  fc.record({
    deps: fc.subarray([...Array(index).keys()]),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    timeout: fc.boolean(),
    compensationAttempts: fc.integer({ min: 1, max: 2 }),
  });

/** Random DAGs of 1 to 8 steps, with or without a pivot (and a retriable tail after it). */
export const sagaSpec: fc.Arbitrary<SagaSpec> = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.record({
    steps: fc.tuple(...[...Array(n).keys()].map(stepSpec)),
    pivot: fc.option(fc.integer({ min: 0, max: n - 1 }), { nil: undefined, freq: 2 }),
    deadline: fc.boolean(),
  }),
);

/** Turns a spec into a valid definition: before the pivot all compensatable and ancestors of it; after, all retriable. */
export function buildDefinition(spec: SagaSpec): AnySagaDefinition {
  const { pivot } = spec;
  let builder = defineSaga({
    name: 'model',
    version: 1,
    input: z.unknown(),
    initialContext: () => ({}),
    ...(spec.deadline ? { deadlineMs: 5_000 } : {}),
  });
  spec.steps.forEach((step, i) => {
    let deps = step.deps;
    if (pivot !== undefined && i === pivot) {
      // The pivot depends on every earlier step that nothing else earlier depends on: all become its ancestors.
      const earlier = spec.steps.slice(0, i);
      deps = [...Array(i).keys()].filter(
        (j) => !earlier.some((other, k) => k < i && other.deps.includes(j)),
      );
    } else if (pivot !== undefined && i > pivot) {
      deps = step.deps.filter((j) => j >= pivot);
      if (deps.length === 0) deps = [pivot];
    } else if (pivot !== undefined) {
      deps = step.deps.filter((j) => j < pivot);
    }
    const kind =
      pivot === undefined || i < pivot ? 'compensatable' : i === pivot ? 'pivot' : 'retriable';
    builder = builder.step({
      id: `s${i}`,
      participant: 'worker',
      command: `do-${i}`,
      kind,
      dependsOn: deps.map((j) => `s${j}`) as never[],
      buildCommand: (ctx) => ctx as never,
      onSuccess: (ctx, result) => ({ ...(ctx as object), [`s${i}`]: result }),
      retry: {
        ...(kind === 'retriable' ? {} : { maxAttempts: step.maxAttempts }),
        nonRetryableErrorCodes: ['fatal'],
      },
      ...(kind === 'compensatable'
        ? {
            compensation: { command: `undo-${i}`, buildCommand: () => ({ undo: i }) },
            compensationRetry: { maxAttempts: step.compensationAttempts },
          }
        : {}),
      ...(step.timeout ? { timeoutMs: 1_000 } : {}),
    });
  });
  return builder.build();
}
