import { createHash } from 'node:crypto';

/**
 * How new starts of a saga type that name no version are routed: to `active`, except a share
 * of `rampPercent` percent that goes to `rampVersion`. A start that names its version is
 * never routed; a saga keeps the version it started with to its end.
 */
export interface VersionRoute {
  readonly name: string;
  readonly active: number;
  readonly ramp?: { readonly version: number; readonly percent: number; readonly since: string };
  /** Grows with each change; a change names the revision it replaces. */
  readonly revision: number;
}

/** Buckets of the ramp: a percentage is honoured to a hundredth. */
const BUCKETS = 10_000;

/**
 * The ramp bucket of a start, 0 to 9,999: a stable hash of its saga type and idempotency key,
 * the same on every instance and across restarts, so a retried start lands on the same version.
 */
export function rampBucket(sagaType: string, idempotencyKey: string): number {
  const digest = createHash('sha256').update(sagaType).update('\0').update(idempotencyKey).digest();
  return digest.readUInt32BE(0) % BUCKETS;
}

/** The version a start without one gets under `route`. */
export function routeStart(route: VersionRoute, idempotencyKey: string): number {
  const { ramp } = route;
  if (ramp === undefined || ramp.percent <= 0) return route.active;
  const inRamp = rampBucket(route.name, idempotencyKey) < Math.round(ramp.percent * 100);
  return inRamp ? ramp.version : route.active;
}
