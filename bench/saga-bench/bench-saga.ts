import { z } from 'zod';
import { loadDefinitionDirectory } from '#definitions';
import { createSagaRegistry, defineSaga, type SagaRegistry } from '#saga-core';

/**
 * The bench saga: three steps in a row on one no-op echo participant; the third refuses when
 * the input says `fail` (10 % of the load), so the first two are compensated, newest first.
 * Every system in the bench runs this same saga.
 */
export const BENCH_SAGA = 'bench.three-step';
export const ECHO_PARTICIPANT = 'echo';
/** Share of sagas whose third step fails. */
export const FAIL_RATIO = 0.1;

/** Command types per step; `undo` is the compensation (the third step has none). */
export const BENCH_STEPS = [
  { id: 'first', command: 'echo.first', undo: 'echo.undo-first' },
  { id: 'second', command: 'echo.second', undo: 'echo.undo-second' },
  { id: 'third', command: 'echo.third', undo: undefined },
] as const;

/** The refusal code of a failing third step. */
export const REFUSAL_CODE = 'BENCH_REFUSED';

const input = z.strictObject({ key: z.string().min(1).max(100), fail: z.boolean() });
/** What a bench saga starts with: the load generator's key, and whether its third step fails. */
export type BenchInput = z.infer<typeof input>;

const REPLY_TIMEOUT_MS = 30_000;
const step = (ctx: BenchInput) => ({ key: ctx.key, fail: ctx.fail });
const [first, second, third] = BENCH_STEPS;

export const benchSaga = defineSaga({
  name: BENCH_SAGA,
  version: 1,
  input,
  initialContext: (value): BenchInput => value,
})
  .step({
    id: first.id,
    participant: ECHO_PARTICIPANT,
    command: first.command,
    buildCommand: step,
    onSuccess: (ctx) => ctx,
    compensation: { command: first.undo, buildCommand: step },
    timeoutMs: REPLY_TIMEOUT_MS,
  })
  .step({
    id: second.id,
    participant: ECHO_PARTICIPANT,
    command: second.command,
    dependsOn: [first.id],
    buildCommand: step,
    onSuccess: (ctx) => ctx,
    compensation: { command: second.undo, buildCommand: step },
    timeoutMs: REPLY_TIMEOUT_MS,
  })
  .step({
    id: third.id,
    participant: ECHO_PARTICIPANT,
    command: third.command,
    // The go/no-go point: its refusal compensates the two before it.
    kind: 'pivot',
    dependsOn: [second.id],
    buildCommand: step,
    onSuccess: (ctx) => ctx,
    timeoutMs: REPLY_TIMEOUT_MS,
  })
  .build();

export function createBenchRegistry(): SagaRegistry {
  return createSagaRegistry([benchSaga]);
}

/** Where the bench saga's definition document is, from the repository's root. */
export const BENCH_DEFINITIONS_DIR = 'bench/definitions';

/** A registry holding the bench saga as its definition document (bench/definitions) compiles it. */
export function createBenchDocumentRegistry(): SagaRegistry {
  const registry = createSagaRegistry();
  loadDefinitionDirectory(registry, BENCH_DEFINITIONS_DIR);
  return registry;
}
