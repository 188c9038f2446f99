/** Options of {@link retryWhileBrokerUnavailable}. */
export interface RetryWhileBrokerUnavailableOptions {
  /** Epoch ms after which a failure is thrown as it is, without another try. */
  readonly until: number;
  /** Hears each failure that is tried again. */
  readonly onRetry?: (error: unknown) => void;
  /** The clock and the pause (tests give fakes). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The first pause, doubled after each failure up to the longest. */
const FIRST_PAUSE_MS = 250;
const LONGEST_PAUSE_MS = 4_000;

/**
 * Whether `error`, from kafkajs, says the broker could not be reached or was not ready (a refused
 * or lost connection, a timeout, a leader not elected yet) rather than something another try
 * cannot mend (credentials refused, an authorization denied, a bad request): kafkajs wraps the
 * error of its last try, whose own `retriable` says which.
 */
export function isBrokerUnavailable(error: unknown): boolean {
  let innermost = error as { name?: unknown; retriable?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 8 && innermost?.cause !== undefined; depth++) {
    innermost = innermost.cause as typeof innermost;
  }
  return (
    typeof innermost?.name === 'string' &&
    innermost.name.startsWith('KafkaJS') &&
    innermost.retriable === true
  );
}

/**
 * Runs `work` until it succeeds, again after each failure that says the broker is unavailable
 * (isBrokerUnavailable) until `until`, pausing longer each time (250 ms doubled up to 4 s), so
 * that a start-up outlasts a broker that comes up after it. Any other failure, or one past
 * `until`, is thrown at once. For work that is safe to repeat (creating topics if missing).
 */
export async function retryWhileBrokerUnavailable<T>(
  work: () => Promise<T>,
  options: RetryWhileBrokerUnavailableOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let pauseMs = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!isBrokerUnavailable(error) || now() + pauseMs >= options.until) throw error;
      options.onRetry?.(error);
      await sleep(pauseMs);
      pauseMs = Math.min(pauseMs * 2, LONGEST_PAUSE_MS);
    }
  }
}
