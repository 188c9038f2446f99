import { RECENT_RESULT_REUSE_MS, sharedRead } from '../common/shared-read.js';

/** How long one figure read at scrape time may take (Prometheus' own scrape timeout is 10 s). */
export const SCRAPE_READ_TIMEOUT_MS = 2_000;

/**
 * How long a figure read from the database or the broker answers later scrapes, in ms from when
 * its read settled: however many callers reach the open `GET /metrics`, each figure costs about
 * one read a second, as each readiness probe does.
 */
export const SCRAPE_READ_REUSE_MS = RECENT_RESULT_REUSE_MS;

/**
 * Settles with what `work` resolves to, or with `undefined` when it rejects or takes longer than
 * `timeoutMs`: a gauge read from the database or the broker at scrape time must never fail nor
 * hold the scrape (prom-client fails the whole of `/metrics` when one collect rejects).
 */
export async function withinScrape<T>(
  work: Promise<T>,
  timeoutMs = SCRAPE_READ_TIMEOUT_MS,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([work.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A figure's `read` for the gauges' `collect`: concurrent scrapes share the one read in flight
 * and reuse its outcome for SCRAPE_READ_REUSE_MS (sharedRead), and each scrape gets it
 * {@link withinScrape}: `undefined` when it failed or is slower than the scrape's bound, so the
 * gauge keeps its last figures. A slow read is not started again until it settles, so scrapes
 * never pile reads on a pool or a broker that is already behind.
 */
export function sharedScrapeRead<T>(read: () => Promise<T>): () => Promise<T | undefined> {
  const shared = sharedRead(read, { reuseMs: SCRAPE_READ_REUSE_MS });
  return () => withinScrape(shared());
}
