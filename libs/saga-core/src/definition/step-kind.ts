/**
 * The role of a step: `compensatable` steps are undone when the saga fails; the `pivot` is the
 * go/no-go point after which the saga only goes forward; `retriable` steps come after the pivot
 * and are retried until they succeed.
 */
export type StepKind = 'compensatable' | 'pivot' | 'retriable';

/** What to do with a step while its participant's circuit breaker is open (stored here, acted on by the coordinator). */
export type BreakerOpenPolicy = 'wait' | 'fail-fast';
