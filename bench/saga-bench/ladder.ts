import type { BenchSettings, RateResult } from './bench-result.js';
import { quantile, type LoadResult } from './load-generator.js';

/**
 * The ladder of rates: each system climbs from the lowest rate and stops after the first rate
 * it does not sustain. Pure rules; the measuring is in rate-step.ts.
 */

/** The default ladder, sagas started per second. */
export const DEFAULT_RATES = [100, 250, 500, 1000, 1500, 2000, 3000, 4000] as const;

/** Sagas that ended ÷ seconds from the first scheduled start to the last end. */
export function sagasPerSecond(load: LoadResult): number {
  const ended = load.completed + load.compensated;
  return load.elapsedMs > 0 ? (ended * 1000) / load.elapsedMs : 0;
}

/**
 * Why a step was not sustained (empty when it was): sustained means every saga ended, with the
 * right outcome, within the drain time; sagas/s reached `minThroughputShare` of the offered
 * rate; and p99 stayed under `maxP99Ms`.
 */
export function shortfalls(
  load: LoadResult,
  rule: Pick<BenchSettings, 'maxP99Ms' | 'minThroughputShare'>,
): string[] {
  const found: string[] = [];
  const ended = load.completed + load.compensated;
  if (ended < load.started) {
    found.push(`${load.started - ended} of ${load.started} sagas had not ended after the drain`);
  }
  if (load.wrongOutcome > 0) found.push(`${load.wrongOutcome} sagas ended with the wrong outcome`);
  const perSecond = sagasPerSecond(load);
  if (perSecond < rule.minThroughputShare * load.rate) {
    const share = Math.round(rule.minThroughputShare * 100);
    found.push(`${perSecond.toFixed(0)} sagas/s is under ${share} % of ${load.rate}/s`);
  }
  const p99 = quantile(load.latenciesMs, 0.99);
  if (!(p99 < rule.maxP99Ms)) {
    found.push(
      `p99 ${Number.isNaN(p99) ? '–' : p99.toFixed(0)} ms is not under ${rule.maxP99Ms} ms`,
    );
  }
  return found;
}

/**
 * Measures `rates` in order and stops after the first that is not sustained; returns what was
 * measured, the unsustained rate last.
 */
export async function climbLadder<T extends { readonly sustained: boolean }>(
  rates: readonly number[],
  measure: (rate: number) => Promise<T>,
): Promise<T[]> {
  const measured: T[] = [];
  for (const rate of rates) {
    const result = await measure(rate);
    measured.push(result);
    if (!result.sustained) break;
  }
  return measured;
}

/** The sustained rate with the most sagas/s (and, when given, a p99 under `p99UnderMs`). */
export function highestSustained(
  rates: readonly RateResult[],
  p99UnderMs = Number.POSITIVE_INFINITY,
): RateResult | undefined {
  return rates
    .filter((result) => result.sustained && result.latencyMs.p99 < p99UnderMs)
    .reduce<RateResult | undefined>(
      (best, result) => (best && best.sagasPerSecond >= result.sagasPerSecond ? best : result),
      undefined,
    );
}

/** Rates from a comma-separated list such as `100,250,500`: positive and rising. */
export function parseRates(text: string | undefined): number[] {
  if (text === undefined || text.trim() === '') return [...DEFAULT_RATES];
  const rates = text.split(',').map((part) => Number(part.trim()));
  if (rates.some((rate) => !(rate > 0)))
    throw new Error(`RATES: not a list of positive numbers: ${text}`);
  if (rates.some((rate, i) => i > 0 && rate <= rates[i - 1]!)) {
    throw new Error(`RATES: must rise from one rate to the next: ${text}`);
  }
  return rates;
}
