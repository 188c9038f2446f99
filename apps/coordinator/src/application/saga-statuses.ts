import type { SagaStatus, StepStatus } from '#saga-core';

/** Every saga status of the engine, for validating filters and documenting answers. */
export const SAGA_STATUSES = [
  'running',
  'compensating',
  'completed',
  'compensated',
  'stuck',
] as const satisfies readonly SagaStatus[];

/** Every step status of the engine, for documenting answers. */
export const STEP_STATUSES = [
  'pending',
  'running',
  'backing-off',
  'succeeded',
  'failed',
  'outcome-unknown',
  'skipped',
  'compensating',
  'compensation-backing-off',
  'compensated',
  'compensation-exhausted',
] as const satisfies readonly StepStatus[];

// Fails to compile when the engine gains a status these lists lack.
type Missing<All, Listed> = [Exclude<All, Listed>] extends [never] ? true : Exclude<All, Listed>;
const _everySagaStatus: Missing<SagaStatus, (typeof SAGA_STATUSES)[number]> = true;
const _everyStepStatus: Missing<StepStatus, (typeof STEP_STATUSES)[number]> = true;
