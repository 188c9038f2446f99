import type { RateResult } from './bench-result.js';
import { climbLadder, highestSustained, parseRates, sagasPerSecond, shortfalls } from './ladder.js';
import type { LoadResult } from './load-generator.js';

const rule = { maxP99Ms: 1_000, minThroughputShare: 0.95 };

/** A 10 s step at 100/s whose sagas all ended rightly, 10 % compensated, within `latencyMs`. */
function load(overrides: Partial<LoadResult> = {}, latencyMs = 50): LoadResult {
  return {
    rate: 100,
    started: 1_000,
    completed: 900,
    compensated: 100,
    wrongOutcome: 0,
    latenciesMs: Array.from({ length: 1_000 }, () => latencyMs),
    elapsedMs: 10_000 + latencyMs,
    scheduleMs: 9_990,
    ...overrides,
  };
}

function rateResult(rate: number, sustained: boolean, p99 = 50): RateResult {
  return {
    rate,
    sagasPerSecond: rate * 0.99,
    latencyMs: { p50: p99 / 2, p95: p99, p99, max: p99 },
    sustained,
  } as RateResult;
}

describe('sagasPerSecond', () => {
  it('divides the sagas that ended by the time from the first scheduled start to the last end', () => {
    expect(sagasPerSecond(load({ completed: 450, compensated: 50, elapsedMs: 5_000 }))).toBe(100);
  });

  it('is zero when no time passed', () => {
    expect(sagasPerSecond(load({ elapsedMs: 0 }))).toBe(0);
  });
});

describe('shortfalls', () => {
  it('finds none when every saga ended rightly, fast enough and soon enough', () => {
    expect(shortfalls(load(), rule)).toEqual([]);
  });

  it('names the sagas that had not ended after the drain', () => {
    expect(shortfalls(load({ completed: 890 }), rule)).toContainEqual(
      '10 of 1000 sagas had not ended after the drain',
    );
  });

  it('names sagas that ended with the wrong outcome', () => {
    expect(shortfalls(load({ wrongOutcome: 3 }), rule)).toEqual([
      '3 sagas ended with the wrong outcome',
    ]);
  });

  it('refuses a throughput under 95 % of the offered rate', () => {
    expect(shortfalls(load({ elapsedMs: 11_000 }), rule)).toEqual([
      '91 sagas/s is under 95 % of 100/s',
    ]);
  });

  it('refuses a p99 at or over the bound', () => {
    expect(shortfalls(load({ elapsedMs: 10_000 }, 1_000), rule)).toEqual([
      'p99 1000 ms is not under 1000 ms',
    ]);
  });

  it('refuses a step in which no saga ended', () => {
    expect(shortfalls(load({ completed: 0, compensated: 0, latenciesMs: [] }), rule)).toEqual([
      '1000 of 1000 sagas had not ended after the drain',
      '0 sagas/s is under 95 % of 100/s',
      'p99 – ms is not under 1000 ms',
    ]);
  });
});

describe('climbLadder', () => {
  it('stops after the first rate that is not sustained', async () => {
    const measured: number[] = [];
    const results = await climbLadder([100, 200, 400, 800], async (rate) => {
      measured.push(rate);
      return { rate, sustained: rate < 400 };
    });
    expect(measured).toEqual([100, 200, 400]);
    expect(results.map((r) => r.sustained)).toEqual([true, true, false]);
  });

  it('climbs to the top when every rate is sustained', async () => {
    const results = await climbLadder([1, 2], async (rate) => ({ rate, sustained: true }));
    expect(results).toHaveLength(2);
  });
});

describe('highestSustained', () => {
  it('picks the sustained rate with the most sagas/s', () => {
    const rates = [rateResult(100, true), rateResult(200, true), rateResult(400, false)];
    expect(highestSustained(rates)?.rate).toBe(200);
  });

  it('keeps to the rates whose p99 is under a bound when given one', () => {
    const rates = [rateResult(100, true, 40), rateResult(200, true, 150)];
    expect(highestSustained(rates, 100)?.rate).toBe(100);
  });

  it('finds none when no rate was sustained', () => {
    expect(highestSustained([rateResult(100, false)])).toBeUndefined();
  });
});

describe('parseRates', () => {
  it('reads a comma-separated list', () => {
    expect(parseRates('50, 100,200')).toEqual([50, 100, 200]);
  });

  it('falls back to the default ladder when unset or empty', () => {
    expect(parseRates(undefined)[0]).toBe(100);
    expect(parseRates(' ')).toEqual(parseRates(undefined));
  });

  it('refuses a rate that is not a positive number', () => {
    expect(() => parseRates('100,x')).toThrow('RATES: not a list of positive numbers: 100,x');
  });

  it('refuses rates that do not rise', () => {
    expect(() => parseRates('200,100')).toThrow('RATES: must rise');
  });
});
