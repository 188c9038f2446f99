/** A step that retries without success, and since when (what `GET /sagas/stuck` says of it). */
export interface RetryingStep {
  readonly stepId: string;
  /** True when it is the step's compensation that retries. */
  readonly compensation: boolean;
  /** The attempt under way or backing off. */
  readonly attempt: number;
  /** ISO time of the first failure of the step's current retry budget. */
  readonly since: string;
}

// A step in a retry loop: backing off after a failed attempt, or sent again after one (its
// attempt past `budgetFrom`, the first attempt of its current budget). `st` is the step's
// entry in the state: its key, the step id, and its value.
const RETRYING = `(st.value->>'status' IN ('backing-off', 'compensation-backing-off')
  OR (st.value->>'status' IN ('running', 'compensating')
    AND (st.value->>'attempt')::int > coalesce((st.value->>'budgetFrom')::int, 1)))`;
const COMPENSATION = `(st.value->>'status' IN ('compensating', 'compensation-backing-off'))`;

/**
 * The first audit line (of table alias `a`) about step `st` of saga `saga` in its current
 * budget: the failure of that budget's first attempt (its reply, timeout or refusal). A
 * compensation's attempts are numbered afresh, so its lines are those written while the saga
 * compensated, never the step's forward ones.
 */
const firstLineOfBudget = (saga: string, table: string) =>
  `(SELECT a.id, a.at FROM ${table} a
    WHERE a.saga_id = ${saga}.id AND a.step_id = st.key
      AND a.attempt >= coalesce((st.value->>'budgetFrom')::int, 1)
      AND (NOT ${COMPENSATION} OR a.from_status = 'compensating')
    ORDER BY a.id LIMIT 1)`;

/**
 * A query of the steps of saga `saga` (an alias of `sagas`) that have retried without success
 * since before `before` (an SQL time): `step_id`, `compensation`, `attempt` and `since`.
 *
 * Every attempt, failed or not, changes the saga's row, so its `updated_at` never tells a
 * step that fails for ever; nor does its state, which keeps no time of a step's first failure.
 * The audit log does, and no decision writes more for it: the first line about the step in
 * its current retry budget (a resume starts a new one) is read through `(saga_id, id)` in id
 * order, past the saga's lines before that failure only, however many attempts followed. Only
 * the steps of the state in a retry loop are looked up. Times are the engine's (`at`).
 */
export function stepsRetryingSince(saga: string, before: string): string {
  return `SELECT st.key AS step_id, ${COMPENSATION} AS compensation,
      (st.value->>'attempt')::int AS attempt, first.at AS since
    FROM jsonb_each(${saga}.state->'steps') st
    CROSS JOIN LATERAL (SELECT l.at FROM (${firstLineOfBudget(saga, 'saga_audit')}
      UNION ALL ${firstLineOfBudget(saga, 'saga_audit_legacy')}) l
      ORDER BY l.id LIMIT 1) first
    WHERE ${RETRYING} AND first.at < ${before}`;
}

/** Why a saga is listed when a step of it retries without success (pure). */
export function describeRetrying(step: RetryingStep): string {
  const what = step.compensation ? `the compensation of ${step.stepId}` : step.stepId;
  return `retrying ${what} since ${step.since} (attempt ${step.attempt})`;
}
