/** One dependency that must answer before the coordinator takes work (database, broker, ...). */
export interface ReadinessCheck {
  /** Short name shown in `/health/ready`. */
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check(): Promise<void>;
  /** Releases what the check keeps open between probes (a connection); called at shutdown. */
  close?(): Promise<void>;
}

/** Nest injection token for the list of {@link ReadinessCheck}s. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

/** A readiness failure whose message is safe to show in `/health/ready` (no secrets in it). */
export class ReadinessProblem extends Error {
  override name = 'ReadinessProblem';
}
