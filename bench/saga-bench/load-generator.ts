import { performance } from 'node:perf_hooks';
import type { BenchSystem, SagaEnd } from './bench-system.js';
import { FAIL_RATIO } from './bench-saga.js';

/** One step of the ladder: a fixed start rate held for a while. */
export interface LoadStep {
  /** Sagas started per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** How long to wait for the last sagas after the last start. */
  readonly drainMs: number;
  /** Names this step's sagas (keys are `<label>-<n>`). */
  readonly label: string;
}

/** What one load step saw. */
export interface LoadResult {
  readonly rate: number;
  readonly started: number;
  readonly completed: number;
  readonly compensated: number;
  /** Sagas that ended with the wrong outcome (a failing one completed, or the reverse). */
  readonly wrongOutcome: number;
  /** Ms from each ended saga's scheduled start to its end, sorted. */
  readonly latenciesMs: readonly number[];
  /** Ms from the first scheduled start to the last end (or to the drain deadline). */
  readonly elapsedMs: number;
  /** Ms from the first to the last scheduled start. */
  readonly scheduleMs: number;
}

/** Whether saga `n` of a step fails its third step: every tenth, spread evenly. */
export function failsThird(n: number): boolean {
  return n % Math.round(1 / FAIL_RATIO) === 7 % Math.round(1 / FAIL_RATIO);
}

/**
 * Open-loop load: saga n is due at `n / rate` seconds after the start, and is started when the
 * clock passes that time whatever the system is doing; its latency counts from when it was
 * due, so a backlog in the generator or in the system shows up instead of being hidden.
 */
export async function runLoad(system: BenchSystem, step: LoadStep): Promise<LoadResult> {
  const total = Math.round((step.rate * step.durationMs) / 1000);
  const due = new Float64Array(total);
  const fails = new Uint8Array(total);
  const latencies: number[] = [];
  let completed = 0;
  let compensated = 0;
  let wrongOutcome = 0;
  let lastEnd = 0;
  let ended = 0;
  let allEnded!: () => void;
  const done = new Promise<void>((resolve) => (allEnded = resolve));
  const prefix = `${step.label}-`;
  system.onEnd((key: string, end: SagaEnd) => {
    if (!key.startsWith(prefix)) return;
    const n = Number(key.slice(prefix.length));
    if (!(n >= 0 && n < total) || due[n] === 0) return;
    const now = performance.now();
    latencies.push(now - due[n]!);
    due[n] = 0; // ended: a duplicate end is ignored
    if (end === 'completed') completed++;
    else compensated++;
    if ((end === 'compensated') !== (fails[n] === 1)) wrongOutcome++;
    lastEnd = now;
    if (++ended === total) allEnded();
  });
  const t0 = performance.now() + 5;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total) {
        const at = t0 + (next * 1000) / step.rate;
        if (at > now) break;
        due[next] = at;
        fails[next] = failsThird(next) ? 1 : 0;
        system.start(`${prefix}${next}`, fails[next] === 1);
        next++;
      }
      if (next < total) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 5);
  });
  const scheduleMs = performance.now() - t0;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    done,
    new Promise<void>((resolve) => (timer = setTimeout(resolve, step.drainMs))),
  ]);
  clearTimeout(timer);
  const elapsedMs = (ended === total ? lastEnd : performance.now()) - t0;
  return {
    rate: step.rate,
    started: total,
    completed,
    compensated,
    wrongOutcome,
    latenciesMs: latencies.sort((a, b) => a - b),
    elapsedMs,
    scheduleMs,
  };
}

/** The q-quantile (0..1) of sorted values, nearest rank; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
