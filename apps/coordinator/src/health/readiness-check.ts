/** One dependency that must answer before the coordinator takes work (database, broker, ...). */
export interface ReadinessCheck {
  /** Short name shown in `/health/ready`. */
  readonly name: string;
  /** Resolves when the dependency answers; rejects (or times out) otherwise. */
  check(): Promise<void>;
}

/** Nest injection token for the list of {@link ReadinessCheck}s. */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
