/** The source of the current time for adapters that feed the engine (the engine itself only reads `at` on events). */
export interface Clock {
  /** The current time in epoch ms. */
  now(): number;
}
