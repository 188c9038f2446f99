import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { ParticipantLimits } from '../config/resilience-config.js';

/** The three states of a breaker, as the API and the events name them. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A breaker that changed state. */
export interface BreakerChange {
  readonly participant: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** Why, in words: the window's failure share, or the probe that decided. */
  readonly detail: string;
}

/** What `GET /participants` shows of a breaker. */
export interface BreakerSnapshot {
  readonly state: BreakerState;
  /** Outcomes in the rolling window. */
  readonly window: { readonly successes: number; readonly failures: number };
  /** Probes still allowed while half-open. */
  readonly probesLeft: number;
  /** Outcomes counted since this instance started. */
  readonly totals: {
    readonly successes: number;
    readonly failures: number;
    readonly opened: number;
  };
}

class ReportedFailure extends Error {
  override name = 'ReportedFailure';
}

/** Less than any share of a window's outcomes can differ from a whole percentage. */
const THRESHOLD_MARGIN = 1e-6;

/** The buckets of the rolling window (each `rollingWindowMs / WINDOW_BUCKETS` long). */
const WINDOW_BUCKETS = 10;

/**
 * One participant's circuit breaker, fed with outcomes as they are learnt (replies and reply
 * timeouts arrive long after the command left, so nothing is wrapped: each outcome is "fired"
 * at once). opossum keeps the rolling window and the open → half-open timer; while half-open
 * a bounded number of probes may go out, and the first outcome closes or reopens the breaker.
 * Closed again, it judges on a fresh window: only outcomes learnt while it lets traffic through
 * count in it (see record).
 */
export class ParticipantBreaker {
  private readonly breaker: CircuitBreaker<[boolean], void>;
  private current: BreakerState = 'closed';
  private probes = 0;
  /** Probes taken and not given back: their outcome decides. */
  private probesOut = 0;
  /** Reopens a half-open breaker whose probes went and none answered (see takeProbes). */
  private probeDeadline: NodeJS.Timeout | undefined;
  /** Why the breaker is being opened by this class rather than by opossum's window. */
  private openedFor: string | undefined;
  private successes = 0;
  private failures = 0;
  private opened = 0;
  /** Turns the window's buckets, in place of opossum's own timer, so that it can be emptied. */
  private readonly buckets = new EventEmitter();
  private readonly turning: NodeJS.Timeout;

  constructor(
    readonly participant: string,
    readonly limits: ParticipantLimits,
    private readonly onChange: (change: BreakerChange) => void,
  ) {
    this.breaker = new CircuitBreaker(
      (healthy: boolean) => (healthy ? Promise.resolve() : Promise.reject(new ReportedFailure())),
      {
        timeout: false,
        // opossum opens above the share only; the setting is the least share that opens it
        // (at 100 it would never open).
        errorThresholdPercentage: limits.errorThresholdPercentage - THRESHOLD_MARGIN,
        volumeThreshold: limits.volumeThreshold,
        rollingCountTimeout: limits.rollingWindowMs,
        rollingCountBuckets: WINDOW_BUCKETS,
        rotateBucketController: this.buckets,
        resetTimeout: limits.resetTimeoutMs,
        // Latency percentiles mean nothing here (outcomes are fed, not timed) and opossum sorts
        // every latency of the window each time it reads its stats, i.e. on every failure.
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
      },
    );
    this.turning = setInterval(
      () => this.buckets.emit('rotate'),
      Math.floor(limits.rollingWindowMs / WINDOW_BUCKETS),
    );
    this.turning.unref();
    this.breaker.on('open', () => this.enter('open'));
    this.breaker.on('halfOpen', () => this.enter('half-open'));
    this.breaker.on('close', () => this.enter('closed'));
  }

  get state(): BreakerState {
    return this.current;
  }

  /**
   * Counts one outcome: `healthy` for a success or a business failure, not for an error or a
   * timeout. One learnt while opossum refuses calls (open, or half-open with its trial call
   * taken: the reply timeouts of the commands that were out when it opened, say) counts in the
   * totals only: fired, opossum would count it as a call (`fires`) but as neither success nor
   * failure, and the error rate it judges by, failures over calls, would be diluted once closed.
   */
  record(healthy: boolean): void {
    if (healthy) this.successes++;
    else this.failures++;
    if (!this.breaker.closed && !this.breaker.pendingClose) return;
    this.breaker.fire(healthy).catch(() => undefined);
  }

  /**
   * Takes up to `wanted` probes (half-open only); returns how many were granted. A probe may
   * never answer (its saga cancelled before the reply, say): when none of those taken has
   * answered `resetTimeoutMs` after the first went, the breaker opens again, to let new probes
   * through once that timeout has passed, rather than stay half-open with none left for good.
   */
  takeProbes(wanted: number): number {
    if (this.current !== 'half-open') return 0;
    const granted = Math.min(wanted, this.probes);
    this.probes -= granted;
    this.probesOut += granted;
    if (granted > 0 && this.probeDeadline === undefined) {
      this.probeDeadline = setTimeout(() => this.noProbeAnswered(), this.limits.resetTimeoutMs);
      this.probeDeadline.unref();
    }
    return granted;
  }

  /** Gives back probes that were taken but sent nothing (their commands were stale or gone). */
  returnProbes(unused: number): void {
    if (this.current !== 'half-open' || unused <= 0) return;
    this.probes += unused;
    this.probesOut = Math.max(0, this.probesOut - unused);
    if (this.probesOut > 0) return;
    // None out: the next probe taken gets the whole timeout.
    clearTimeout(this.probeDeadline);
    this.probeDeadline = undefined;
  }

  snapshot(): BreakerSnapshot {
    const stats = this.breaker.stats;
    return {
      state: this.current,
      window: { successes: stats.successes, failures: stats.failures },
      probesLeft: this.current === 'half-open' ? this.probes : 0,
      totals: { successes: this.successes, failures: this.failures, opened: this.opened },
    };
  }

  /** Stops opossum's timers, the window's, and the probes' deadline. */
  shutdown(): void {
    clearTimeout(this.probeDeadline);
    clearInterval(this.turning);
    this.breaker.shutdown();
  }

  private noProbeAnswered(): void {
    this.probeDeadline = undefined;
    if (this.current !== 'half-open' || this.probesOut === 0) return;
    this.openedFor = `no probe answered within ${this.limits.resetTimeoutMs} ms`;
    this.breaker.open();
  }

  private enter(next: BreakerState): void {
    const from = this.current;
    if (from === next) return;
    const stats = this.breaker.stats;
    this.current = next;
    if (next === 'open') this.opened++;
    this.probes = next === 'half-open' ? this.limits.halfOpenProbes : 0;
    this.probesOut = 0;
    clearTimeout(this.probeDeadline);
    this.probeDeadline = undefined;
    // Closed on a probe's success, it starts a fresh window: the failures that opened it are
    // judged, and one failure more must not reopen it before the volume threshold is met again.
    if (next === 'closed') {
      for (let i = 0; i < WINDOW_BUCKETS; i++) this.buckets.emit('rotate');
    }
    const openedFor = this.openedFor;
    this.openedFor = undefined;
    const detail =
      next === 'open'
        ? (openedFor ??
          (from === 'half-open'
            ? 'a probe failed'
            : `${stats.failures} failures of ${stats.failures + stats.successes} outcomes in the last ${this.limits.rollingWindowMs} ms`))
        : next === 'half-open'
          ? `open for ${this.limits.resetTimeoutMs} ms: letting ${this.limits.halfOpenProbes} probe(s) through`
          : 'a probe succeeded';
    this.onChange({ participant: this.participant, from, to: next, detail });
  }
}
