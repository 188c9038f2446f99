// The circuit breaker options shared by the sample participants' external calls.
import type CircuitBreaker from 'opossum';
import { z } from 'zod';

/** A breaker's options (the `breaker` field of PAYMENT_GATEWAY and NOTIFICATION_CHANNELS). */
export const breakerConfigSchema = z.strictObject({
  /** A call slower than this counts as a failure (ms; 0: no timeout). */
  timeoutMs: z.int().min(0).max(600_000).default(2_000),
  /** The breaker opens when this share of the calls in the window failed (percent). */
  errorThresholdPercentage: z.number().min(1).max(100).default(50),
  /** How long the breaker stays open before letting one trial call through (ms). */
  resetTimeoutMs: z.int().min(1).max(600_000).default(5_000),
  /** Calls in the window before the breaker may open at all. */
  volumeThreshold: z.int().min(0).max(100_000).default(10),
  /** The rolling window the error share is computed over (ms). */
  rollingWindowMs: z.int().min(100).max(3_600_000).default(10_000),
});

/** A breaker's options, defaults filled in. */
export type BreakerConfig = z.infer<typeof breakerConfigSchema>;

/** The default breaker options. */
export const DEFAULT_BREAKER_CONFIG: BreakerConfig = breakerConfigSchema.parse({});

/** Opossum's options for a breaker named `name`. */
export function opossumOptions(name: string, config: BreakerConfig): CircuitBreaker.Options {
  return {
    name,
    timeout: config.timeoutMs === 0 ? false : config.timeoutMs,
    errorThresholdPercentage: config.errorThresholdPercentage,
    resetTimeout: config.resetTimeoutMs,
    volumeThreshold: config.volumeThreshold,
    rollingCountTimeout: config.rollingWindowMs,
    // Nothing reads the latency percentiles, and opossum sorts every latency of the window
    // each time it reads its stats, i.e. on every failure (~100x slower per call).
    rollingPercentilesEnabled: false,
  };
}
