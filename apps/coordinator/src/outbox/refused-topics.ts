/**
 * How long a topic the broker refused (unknown, invalid, forbidden) is left to the relay without
 * a try (ms): kafkajs spends seconds of retries on an unknown topic, and the fast path sends one
 * batch at a time.
 */
export const REFUSED_TOPIC_MS = 30_000;

/**
 * The topics the broker refused lately, each for `forMs` (default REFUSED_TOPIC_MS) from its
 * last refusal, on the caller's clock (ms). A topic whose time is over is forgotten at the next
 * look at any topic, so that only the topics refused in the last `forMs` are held, not every
 * topic ever refused.
 */
export class RefusedTopics {
  /** Until when each topic is refused. */
  private readonly until = new Map<string, number>();
  /** When the first of them lapses (Infinity: none held). */
  private nextLapse = Number.POSITIVE_INFINITY;

  constructor(private readonly forMs = REFUSED_TOPIC_MS) {}

  /** Notes that the broker refused `topic` at `now`. */
  refuse(topic: string, now: number): void {
    const until = now + this.forMs;
    this.until.set(topic, until);
    this.nextLapse = Math.min(this.nextLapse, until);
  }

  /** Whether `topic` is still refused at `now`; forgets first the topics whose time is over. */
  refuses(topic: string, now: number): boolean {
    if (now >= this.nextLapse) this.forgetLapsed(now);
    return this.until.has(topic);
  }

  /** The topics held, refused still or not yet forgotten. */
  get size(): number {
    return this.until.size;
  }

  private forgetLapsed(now: number): void {
    this.nextLapse = Number.POSITIVE_INFINITY;
    for (const [topic, until] of this.until) {
      if (until <= now) this.until.delete(topic);
      else this.nextLapse = Math.min(this.nextLapse, until);
    }
  }
}
