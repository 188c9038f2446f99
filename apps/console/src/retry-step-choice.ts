// Which step the retry dialog offers first: the one a retry is most likely meant for, given the
// saga's status (the API has the last word, docs/QUERIES.md).

/** What the choice reads of a saga. */
export interface RetryCandidateSaga {
  readonly status: string;
  readonly steps: readonly { readonly stepId: string; readonly status: string }[];
}

/**
 * The step states to look for, best first, by saga status. A stuck saga halted in compensation
 * has a `compensation-exhausted` step (and still the `failed` one that made it compensate), so
 * that state comes first; a stuck saga halted going forward has a `failed` or `outcome-unknown`
 * one; a step still in flight on a stuck saga may be retried too (the retry resumes the saga).
 * A compensating saga retries its compensations in flight or backing off, or a forward step
 * still running (its command is sent again); a running saga, a step in flight or backing off.
 */
const PREFERRED: Readonly<Record<string, readonly string[]>> = {
  stuck: ['compensation-exhausted', 'failed', 'outcome-unknown', 'running', 'compensating'],
  compensating: ['compensating', 'compensation-backing-off', 'running'],
  running: ['running', 'backing-off'],
};

/** The id of the step to offer first; the first step when none fits (or the saga ended). */
export function preferredRetryStep(saga: RetryCandidateSaga): string | undefined {
  for (const state of PREFERRED[saga.status] ?? []) {
    const step = saga.steps.find((candidate) => candidate.status === state);
    if (step !== undefined) return step.stepId;
  }
  return saga.steps[0]?.stepId;
}
