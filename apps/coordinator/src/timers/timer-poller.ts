import { Logger } from '@nestjs/common';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import type { WorkSignals } from '../common/work-signals.js';
import { InterruptibleSleep } from '../common/interruptible-sleep.js';
import { describeError } from '#errors';

/**
 * How often the poller looks for wake-ups overdue of definition versions it cannot run, and how
 * long overdue they must be to count (ms).
 */
export const OVERDUE_VERSIONS_CHECK_MS = 60_000;

/** Options of the {@link TimerPoller}; times in ms. */
export interface TimerPollerOptions {
  /** Fallback poll interval (default 200): the longest a due timer waits when no hint came. */
  readonly pollIntervalMs?: number;
  /** Sagas whose due timers are fired per transaction (default 200). */
  readonly batchSize?: number;
  /**
   * True while this instance cannot hear replies (a consumer out of its group): reply timeouts
   * then wait, since a reply may sit unread on the topic (default: never).
   */
  readonly deafToReplies?: () => boolean;
}

/**
 * Fires due timers (retry back-off, reply timeouts, deadlines) through the engine. Due times
 * are read on the database's clock, and each timer is taken off its saga's row in the
 * transaction that fires it, so it fires once across all instances and survives restarts. Commits of this
 * instance hint at the next due time so short timers fire without waiting for the poll.
 */
export class TimerPoller {
  private readonly logger = new Logger(TimerPoller.name);
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private running = false;
  /** Once stopped, it never starts again (a start that comes late, after a stop, is ignored). */
  private stopped = false;
  private loop: Promise<void> | undefined;
  private nextHint = Number.POSITIVE_INFINITY;
  private readonly pause = new InterruptibleSleep();
  /** While sleeping: when the sleep ends (epoch ms); undefined while polling. */
  private sleepUntil: number | undefined;
  private adoptionFailing = false;
  /** When the poller next looks for versions it cannot run with wake-ups overdue (epoch ms). */
  private nextOverdueCheck = 0;

  constructor(
    private readonly decisions: SagaDecisions,
    signals: WorkSignals,
    private readonly options: TimerPollerOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.batchSize = options.batchSize ?? 200;
    signals.onTimer((dueAt) => this.hint(dueAt));
  }

  /** Starts firing timers in the background. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the transaction in hand. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.pause.wake();
    await this.loop;
  }

  private hint(dueAt: number): void {
    this.nextHint = Math.min(this.nextHint, dueAt);
    // While polling, the hint is kept for the next sleep; while sleeping, it may end it early.
    if (this.sleepUntil !== undefined && dueAt < this.sleepUntil) this.pause.wake();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      await this.adoptLegacyTimers();
      let fired = 0;
      try {
        fired = await this.decisions.fireDueTimers(
          this.batchSize,
          this.options.deafToReplies?.() ?? false,
        );
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.warn(
          `firing timers failed (${failures} in a row), retrying: ${describeError(error)}`,
        );
      }
      if (!this.running) break;
      if (fired === this.batchSize) continue; // more are due
      await this.checkOverdueVersions();
      const pause =
        failures > 0 ? Math.min(this.pollIntervalMs * 2 ** failures, 10_000) : this.pollIntervalMs;
      await this.sleep(pause);
    }
  }

  /**
   * Moves into their rows the timers an instance of the release before timers in the row wrote
   * in its table (during a rolling update). A failure is said once, and stops no timer: those
   * left in the table wait for the next poll (the earlier release's instances fire them too).
   */
  private async adoptLegacyTimers(): Promise<void> {
    try {
      await this.decisions.adoptLegacyTimers(this.batchSize);
      if (this.adoptionFailing) this.logger.log('moving the earlier release’s timers works again');
      this.adoptionFailing = false;
    } catch (error) {
      if (!this.adoptionFailing) {
        this.logger.warn(
          `moving the earlier release’s timers into their rows failed, retrying at each poll: ${describeError(error)}`,
        );
      }
      this.adoptionFailing = true;
    }
  }

  /**
   * Once a minute, warns of the definition versions this instance cannot run whose timers no
   * instance fires (WakeupDecisions.warnOfOverdueVersions). A failed read is left to the next
   * minute: firing timers says when the database fails.
   */
  private async checkOverdueVersions(): Promise<void> {
    const now = Date.now();
    if (now < this.nextOverdueCheck) return;
    this.nextOverdueCheck = now + OVERDUE_VERSIONS_CHECK_MS;
    await this.decisions.warnOfOverdueVersions(OVERDUE_VERSIONS_CHECK_MS).catch(() => undefined);
  }

  /** Sleeps for `ms`, or until the earliest hinted due time if sooner. */
  private async sleep(ms: number): Promise<void> {
    const now = Date.now();
    const until = Math.min(now + ms, this.nextHint);
    this.nextHint = Number.POSITIVE_INFINITY;
    this.sleepUntil = until;
    try {
      await this.pause.sleep(Math.max(0, until - now));
    } finally {
      this.sleepUntil = undefined;
    }
  }
}
