import type { ReadinessCheck } from './readiness-check.js';

/**
 * How long a check's last result, success or failure, answers later callers, in ms, from when
 * its probe settled. It bounds the probes that unauthenticated `/health/ready` and `/metrics`
 * calls can cause to one per dependency per second, while readiness still turns down within
 * this time plus the caller's timeout once a dependency goes away.
 */
export const PROBE_RESULT_REUSE_MS = 1_000;

const probes = new WeakMap<ReadinessCheck, ReadinessCheck>();

/**
 * The one shared probe of `check` in this process: the same object for the same check, so
 * readiness and `saga_dependency_up`, given the same checks, share it. Callers at the same time
 * share the probe in flight, and its result answers them for {@link PROBE_RESULT_REUSE_MS}. A
 * probe the callers gave up on at their timeout is waited on, not started again, until it
 * settles: a slow dependency never has more than one probe running.
 */
export function sharedProbe(check: ReadinessCheck): ReadinessCheck {
  let probe = probes.get(check);
  if (probe === undefined) {
    probe = { name: check.name, check: reusingRecentResult(() => check.check()) };
    probes.set(check, probe);
  }
  return probe;
}

/** `run`, shared while in flight, its outcome reused for PROBE_RESULT_REUSE_MS once settled. */
function reusingRecentResult(run: () => Promise<void>): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  let last: { settledAt: number; outcome: Promise<void> } | undefined;
  return () => {
    if (inFlight) return inFlight;
    if (last && performance.now() - last.settledAt < PROBE_RESULT_REUSE_MS) return last.outcome;
    const outcome = Promise.resolve().then(run); // a check that throws synchronously rejects
    const settle = () => {
      inFlight = undefined;
      last = { settledAt: performance.now(), outcome };
    };
    outcome.then(settle, settle);
    inFlight = outcome;
    return outcome;
  };
}
