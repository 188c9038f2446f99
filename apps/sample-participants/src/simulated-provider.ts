// What the simulated external providers (payment gateway, message channels) share: a drawn
// latency, then a drawn failure. Deterministic for a seeded `random`.

/** How a simulated provider behaves. */
export interface SimulatedBehaviour {
  /** Up to this many milliseconds per call (uniformly drawn). */
  readonly latencyMs: number;
  /** The chance (0..1) that a call fails. */
  readonly failureRate: number;
}

/** What a simulated provider needs from the world; tests pass fakes. */
export interface SimulationOptions {
  /** Numbers in [0, 1): seededRandom for reproducible runs (default Math.random). */
  readonly random?: () => number;
  /** Waits `ms` milliseconds (default setTimeout). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** One simulated call: waits its drawn latency, then resolves true when the call is to fail. */
export function simulatedCall(
  behaviour: SimulatedBehaviour,
  options: SimulationOptions = {},
): () => Promise<boolean> {
  const random = options.random ?? Math.random;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async () => {
    if (behaviour.latencyMs > 0) await sleep(Math.floor(random() * behaviour.latencyMs));
    return behaviour.failureRate > 0 && random() < behaviour.failureRate;
  };
}
