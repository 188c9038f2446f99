import { RECENT_RESULT_REUSE_MS, sharedRead } from '../common/shared-read.js';
import type { ReadinessCheck } from './readiness-check.js';

/**
 * How long a check's last result, success or failure, answers later callers, in ms, from when
 * its probe settled. It bounds the probes that unauthenticated `/health/ready` and `/metrics`
 * calls can cause to one per dependency per second, while readiness still turns down within
 * this time plus the caller's timeout once a dependency goes away.
 */
export const PROBE_RESULT_REUSE_MS = RECENT_RESULT_REUSE_MS;

const probes = new WeakMap<ReadinessCheck, ReadinessCheck>();

/**
 * The one shared probe of `check` in this process: the same object for the same check, so
 * readiness and `saga_dependency_up`, given the same checks, share it. Callers at the same time
 * share the probe in flight, and its result answers them for {@link PROBE_RESULT_REUSE_MS}. A
 * probe the callers gave up on at their timeout is waited on, not started again, until it
 * settles: a slow dependency never has more than one probe running (common/shared-read.ts).
 */
export function sharedProbe(check: ReadinessCheck): ReadinessCheck {
  let probe = probes.get(check);
  if (probe === undefined) {
    const shared = sharedRead(() => check.check(), { reuseMs: PROBE_RESULT_REUSE_MS });
    probe = { name: check.name, check: shared };
    probes.set(check, probe);
  }
  return probe;
}
