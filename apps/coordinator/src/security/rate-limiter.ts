/** Options of a {@link RateLimiter}. */
export interface RateLimitOptions {
  /** Requests a client may make per second, sustained. */
  readonly perSecond: number;
  /** Requests a client may make at once after a quiet time (the bucket size). */
  readonly burst: number;
  /** Clients remembered at most; the least recently seen is forgotten first (default 10 000). */
  readonly maxClients?: number;
}

/** What a request costs: allowed, or refused with the seconds to wait. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

/** A token bucket per client, in memory (each instance limits on its own). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Spends one request of `client`. */
  take(client: string): RateDecision {
    const now = this.now();
    const { perSecond, burst } = this.options;
    const bucket = this.buckets.get(client) ?? { tokens: burst, at: now };
    this.buckets.delete(client);
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(client, bucket);
    this.forgetOldest();
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterSec: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)),
    };
  }

  private forgetOldest(): void {
    const max = this.options.maxClients ?? 10_000;
    while (this.buckets.size > max) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) return;
      this.buckets.delete(oldest);
    }
  }
}
