/** Capped exponential back-off between retries of a batch whose handler failed. */
export interface BackoffOptions {
  /** Wait before the first retry, in ms; ≥ 0 (default 100). */
  readonly initialDelayMs?: number;
  /** Factor applied to the wait after each further failure; ≥ 1 (default 2). */
  readonly multiplier?: number;
  /** Cap on the wait, in ms; ≥ initialDelayMs (default 30 000). */
  readonly maxDelayMs?: number;
}

/** Back-off options with every default filled in. */
export type Backoff = Required<BackoffOptions>;

/** Defaults: 100 ms, then 200, 400 ... up to 30 s between tries. */
export const DEFAULT_BACKOFF: Backoff = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 30_000 };

/** Fills in defaults and checks every field; throws a RangeError naming the bad one. */
export function resolveBackoff(options: BackoffOptions = {}, name = 'backoff'): Backoff {
  const backoff: Backoff = { ...DEFAULT_BACKOFF, ...options };
  if (!Number.isFinite(backoff.initialDelayMs) || backoff.initialDelayMs < 0) {
    throw new RangeError(`${name}.initialDelayMs must be a number ≥ 0`);
  }
  if (!Number.isFinite(backoff.multiplier) || backoff.multiplier < 1) {
    throw new RangeError(`${name}.multiplier must be a number ≥ 1`);
  }
  if (!Number.isFinite(backoff.maxDelayMs) || backoff.maxDelayMs < backoff.initialDelayMs) {
    throw new RangeError(`${name}.maxDelayMs must be a number ≥ initialDelayMs`);
  }
  return backoff;
}

/** The wait after the `failures`-th consecutive failure (1 for the first), in ms. */
export function backoffDelayMs(backoff: Backoff, failures: number): number {
  const exponent = Math.max(0, failures - 1);
  return Math.min(backoff.maxDelayMs, backoff.initialDelayMs * backoff.multiplier ** exponent);
}

/** Waits `ms`; resolves true after the full wait, false as soon as `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
