import { isDatabaseUnavailable } from './connection-errors.js';
import { isLostRace } from './sql-runner.js';

/** Options of {@link retryWhileUnavailable}. */
export interface RetryWhileUnavailableOptions {
  /** Epoch ms after which a failure is thrown as it is, without another try. */
  readonly until: number;
  /** Pause after the first failure, in ms, doubled after each next one (default 250). */
  readonly pauseMs?: number;
  /** The longest pause, in ms (default 4 000). */
  readonly maxPauseMs?: number;
  /** Hears each failure that is tried again. */
  readonly onRetry?: (error: unknown) => void;
  /**
   * Whether a failure says the service is unavailable, to be tried again (default: the
   * database's, isDatabaseUnavailable, or a lost race); another service's work gives its own.
   */
  readonly unavailable?: (error: unknown) => boolean;
  /** The clock and the pause (tests give fakes). */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `work` until it succeeds, again after each failure that says the database is unavailable
 * (a lost connection, a terminated backend, a timeout: isDatabaseUnavailable) or that the work
 * lost a race (a deadlock, a serialization failure: its transaction was rolled back whole; a
 * migration holds each table lock it takes to its end, so a decision that takes two of those
 * tables in the other order can close a cycle with it) until `until`,
 * pausing longer each time (a wrong address is not hammered, nor its warnings repeated often).
 * Any other failure, one that says another try cannot help (`nonRetryable: true`, whatever its
 * cause), or one past `until`, is thrown at once. For work that is safe to repeat: start-up
 * steps in one transaction (migrations) or idempotent ones (CREATE ... IF NOT EXISTS).
 */
export async function retryWhileUnavailable<T>(
  work: () => Promise<T>,
  options: RetryWhileUnavailableOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxPauseMs = options.maxPauseMs ?? 4_000;
  let pauseMs = Math.min(options.pauseMs ?? 250, maxPauseMs);
  for (;;) {
    try {
      return await work();
    } catch (error) {
      const retryable =
        (options.unavailable ?? databaseUnavailable)(error) && !saysNonRetryable(error);
      if (!retryable || now() + pauseMs >= options.until) throw error;
      options.onRetry?.(error);
      await sleep(pauseMs);
      pauseMs = Math.min(pauseMs * 2, maxPauseMs);
    }
  }
}

function databaseUnavailable(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isLostRace(error);
}

function saysNonRetryable(error: unknown): boolean {
  return (error as { nonRetryable?: unknown } | null)?.nonRetryable === true;
}
