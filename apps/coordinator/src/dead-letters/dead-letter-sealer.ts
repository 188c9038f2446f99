/**
 * Keeps dead letters that may hold sensitive fields unreadable at rest: a dead letter's saga
 * (from its headers) decides. Implemented over the coordinator's field cipher; the default
 * seals nothing.
 */
export interface DeadLetterSealer {
  /**
   * Whether a dead letter with these headers, of a message of `originalTopic`, may hold
   * sensitive fields (its saga type has some).
   */
  mayHoldSensitive(headers: Readonly<Record<string, string>>, originalTopic: string): boolean;
  /** The value to store, sealed; undefined when it needs no sealing. */
  seal(
    headers: Readonly<Record<string, string>>,
    value: string,
    originalTopic: string,
  ): string | undefined;
  /** A value `seal` produced, opened. */
  open(headers: Readonly<Record<string, string>>, sealed: string): string;
}

/** Seals nothing: for tests and deployments whose sagas have no sensitive fields. */
export const NO_SEALING: DeadLetterSealer = {
  mayHoldSensitive: () => false,
  seal: () => undefined,
  open: (_headers, sealed) => sealed,
};
