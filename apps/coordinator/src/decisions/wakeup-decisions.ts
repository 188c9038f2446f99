import { Logger } from '@nestjs/common';
import { describeError } from '#errors';
import { dataErrorReason } from '#postgres';
import type { EngineEvent, Wakeup } from '#saga-core';
import type { OverdueVersion, SagaVersion } from '../persistence/saga-timers.js';
import type { SagaTransaction } from '../saga-store/saga-store.js';
import { wasApplied, type DecisionRunner } from './decision-runner.js';
import type { DecisionSession } from './decision-session.js';

/** How long the timers of a saga whose state does not open, or whose decision cannot be written, wait. */
export const UNOPENABLE_WAIT_MS = 60_000;

/** The wake-up path: due timers (retries, reply timeouts, deadlines) fired through the engine. */
export class WakeupDecisions {
  private readonly logger = new Logger(WakeupDecisions.name);

  constructor(private readonly runner: DecisionRunner) {}

  /** See SagaStore.adoptLegacyTimers (its own statement: its failure stops no timer). */
  adoptLegacy(limit: number): Promise<number> {
    return this.runner.parts.store.adoptLegacyTimers(limit);
  }

  /**
   * Fires the due timers of up to `limit` sagas; resolves with how many sagas it took timers
   * from (or found none due in: their wake-up bound was early). Several instances may call it
   * at once: a timer fires on one of them only. With `holdReplyTimeouts`, reply timeouts wait
   * (this instance cannot hear replies).
   *
   * One saga must not stop every timer: a saga whose state does not open, and one whose
   * decision cannot be written (the database refuses a value of it, or it does not serialise),
   * has its timers put off, logged, a minute at a time, so that they never fill a poll. To find
   * the latter, a batch that fails so is fired again one saga at a time.
   */
  async fireDue(limit: number, holdReplyTimeouts = false): Promise<number> {
    // The versions this instance can run: another one's timers wait for an instance that can.
    const known = this.knownVersions();
    let due: readonly string[] = [];
    try {
      return await this.runner.decide(async (tx, now, session) => {
        due = await tx.sagasDue(limit, holdReplyTimeouts, known);
        return this.fire(tx, now, session, due, holdReplyTimeouts);
      });
    } catch (error) {
      if (unwritable(error) === undefined) throw error;
    }
    let fired = 0;
    for (const sagaId of due) {
      try {
        fired += await this.runner.decide((tx, now, session) =>
          this.fire(tx, now, session, [sagaId], holdReplyTimeouts),
        );
      } catch (error) {
        const why = unwritable(error);
        if (why === undefined) throw error;
        await this.runner.parts.store.transaction((tx) =>
          tx.putOffWakeups([sagaId], UNOPENABLE_WAIT_MS),
        );
        this.logger.error(
          `the timers of saga ${sagaId} wait ${UNOPENABLE_WAIT_MS / 1000} s: what they decide cannot be written (${why})`,
        );
      }
    }
    return fired;
  }

  /** Fires the due timers of `due` (sagas another transaction holds are skipped). */
  private async fire(
    tx: SagaTransaction,
    now: number,
    session: DecisionSession,
    due: readonly string[],
    holdReplyTimeouts: boolean,
  ): Promise<number> {
    const unopenable: string[] = [];
    const sagas = await this.runner.lock(tx, due, true, (sagaId, error) => {
      unopenable.push(sagaId);
      this.logger.warn(
        `the timers of saga ${sagaId} wait ${UNOPENABLE_WAIT_MS / 1000} s: its state does not open (${describeError(error)})`,
      );
    });
    await tx.putOffWakeups(unopenable, UNOPENABLE_WAIT_MS);
    const taken = await tx.takeDueTimers([...sagas.keys()], holdReplyTimeouts);
    for (const timer of taken) {
      const saga = sagas.get(timer.sagaId)!;
      const result = session.apply(saga, {
        type: 'wakeup',
        at: now,
        random: Math.random(),
        wakeupId: timer.id,
        ...timer.wakeup,
      } as EngineEvent);
      if (isReplyTimeout(timer.wakeup) && wasApplied(result)) {
        session.noteOutcome(saga.state, timer.wakeup.stepId, false);
      }
    }
    return sagas.size;
  }

  /**
   * Warns, a line per version, of the definition versions this instance cannot run whose sagas
   * have wake-ups overdue by `overdueMs` or more: no instance that can has fired them yet (none
   * runs, or those that do are behind; see findOverdueOfOtherVersions). Resolves with them.
   */
  async warnOfOverdueVersions(overdueMs: number): Promise<OverdueVersion[]> {
    const known = this.knownVersions();
    const overdue = await this.runner.parts.store.overdueOfOtherVersions(known, overdueMs);
    const knownText = known.map((v) => `${v.sagaType} v${v.sagaVersion}`).join(', ') || 'none';
    for (const version of overdue) {
      this.logger.warn(
        `${version.sagas} saga(s) of ${version.sagaType} v${version.sagaVersion} have timers overdue since ${version.dueSince.toISOString()}: this instance cannot run that definition version (it knows ${knownText}); they wait for an instance that can (is one running? was a release rolled back past the one that defined it?)`,
      );
    }
    return overdue;
  }

  private knownVersions(): SagaVersion[] {
    return this.runner.parts.registry
      .list()
      .map(({ name, version }) => ({ sagaType: name, sagaVersion: version }));
  }
}

function isReplyTimeout(wakeup: Wakeup): wakeup is Extract<Wakeup, { stepId: string }> & {
  kind: 'reply-timeout' | 'compensation-timeout';
} {
  return wakeup.kind === 'reply-timeout' || wakeup.kind === 'compensation-timeout';
}

/**
 * Why a decision cannot be written whatever is tried again (the database refuses a value of it,
 * or it does not serialise: a BigInt, a cycle), or undefined for any other failure.
 */
function unwritable(error: unknown): string | undefined {
  if (error instanceof TypeError || error instanceof RangeError) return describeError(error);
  return dataErrorReason(error);
}
