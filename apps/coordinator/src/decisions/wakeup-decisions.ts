import { Logger } from '@nestjs/common';
import { describeError } from '#errors';
import type { EngineEvent, Wakeup } from '#saga-core';
import type { OverdueVersion, SagaVersion } from '../persistence/saga-timers.js';
import { wasApplied, type DecisionRunner } from './decision-runner.js';

/** How long the timers of a saga whose state does not open wait before they are tried again. */
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
   */
  async fireDue(limit: number, holdReplyTimeouts = false): Promise<number> {
    // The versions this instance can run: another one's timers wait for an instance that can.
    const known = this.knownVersions();
    return this.runner.decide(async (tx, now, session) => {
      const due = await tx.sagasDue(limit, holdReplyTimeouts, known);
      // A saga that does not open must not stop every timer: only its own wait, put off (and
      // logged) a minute at a time, so that they never fill a poll.
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
    });
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
