/**
 * How long a shared read's last outcome, value or failure, answers later callers by default, in
 * ms from when it settled: about one read a second however many callers ask.
 */
export const RECENT_RESULT_REUSE_MS = 1_000;

/** How a {@link sharedRead} reuses its outcome. */
export interface SharedReadOptions {
  /** How long a settled outcome answers later callers, in ms (default RECENT_RESULT_REUSE_MS). */
  readonly reuseMs?: number;
  /** The clock the reuse is measured on, in ms (default `performance.now`). */
  readonly now?: () => number;
}

/**
 * `read`, shared: callers at the same time share the one read in flight, and its outcome
 * (value or rejection) answers later callers for `reuseMs` once it settled. A read its callers
 * gave up on (at their own timeout) is waited on, not started again, until it settles: a slow
 * dependency never has more than one read of it running.
 */
export function sharedRead<T>(
  read: () => Promise<T>,
  options: SharedReadOptions = {},
): () => Promise<T> {
  const { reuseMs = RECENT_RESULT_REUSE_MS, now = () => performance.now() } = options;
  let inFlight: Promise<T> | undefined;
  let last: { settledAt: number; outcome: Promise<T> } | undefined;
  return () => {
    if (inFlight) return inFlight;
    if (last && now() - last.settledAt < reuseMs) return last.outcome;
    const outcome = Promise.resolve().then(read); // a read that throws synchronously rejects
    const settle = () => {
      inFlight = undefined;
      last = { settledAt: now(), outcome };
    };
    outcome.then(settle, settle);
    inFlight = outcome;
    return outcome;
  };
}
