import type { EngineEvent, Wakeup } from '#saga-core';
import { wasApplied, type DecisionRunner } from './decision-runner.js';

/** The wake-up path: due timers (retries, reply timeouts, deadlines) fired through the engine. */
export class WakeupDecisions {
  constructor(private readonly runner: DecisionRunner) {}

  /**
   * Fires up to `limit` due timers; resolves with how many fired. Several instances may call it
   * at once: a timer fires on one of them only. With `holdReplyTimeouts`, reply timeouts wait
   * (this instance cannot hear replies).
   */
  async fireDue(limit: number, holdReplyTimeouts = false): Promise<number> {
    return this.runner.decide(async (tx, now, session) => {
      const due = await tx.dueTimers(limit, holdReplyTimeouts);
      const sagas = await this.runner.lock(
        tx,
        due.map((timer) => timer.sagaId),
        true,
      );
      const taken = await tx.takeTimers(
        due.filter((timer) => sagas.has(timer.sagaId)).map((timer) => timer.id),
      );
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
      return taken.length;
    });
  }
}

function isReplyTimeout(wakeup: Wakeup): wakeup is Extract<Wakeup, { stepId: string }> & {
  kind: 'reply-timeout' | 'compensation-timeout';
} {
  return wakeup.kind === 'reply-timeout' || wakeup.kind === 'compensation-timeout';
}
