/** How long one figure read at scrape time may take (Prometheus' own scrape timeout is 10 s). */
export const SCRAPE_READ_TIMEOUT_MS = 2_000;

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
