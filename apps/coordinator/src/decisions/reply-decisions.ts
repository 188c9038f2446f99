import type { ReplyMessage } from '#contracts';
import { SAGA_ID, wasApplied, type DecisionRunner } from './decision-runner.js';

/**
 * The reply path: participants' answers applied to their sagas. The saga's state applies each
 * answer at most once: a duplicate, late or stale one is fenced (audited as ignored, with no
 * other effect: no state change, no breaker sample). Replies to sagas this instance decided
 * last are decided on their cached state, in one statement (see DecisionRunner.decideOn).
 */
export class ReplyDecisions {
  constructor(private readonly runner: DecisionRunner) {}

  /** Applies the replies in one decision; resolves with the indexes of those that name no saga here. */
  async apply(replies: readonly ReplyMessage[]): Promise<number[]> {
    if (replies.length === 0) return [];
    // Saga ids are stored in lower case; a UUID means the same in either case.
    const named = replies.map((r) => r.sagaId.toLowerCase());
    const sagaIds = named.filter((id) => SAGA_ID.test(id));
    return this.runner.decideOn(sagaIds, (sagas, now, session) => {
      const unmatched: number[] = [];
      for (const [index, reply] of replies.entries()) {
        const saga = sagas.get(named[index]!);
        if (!saga) {
          unmatched.push(index);
          continue;
        }
        const { messageId, stepId, action, attempt, outcome } = reply;
        const result = session.apply(saga, {
          type: 'reply',
          at: now,
          random: Math.random(),
          messageId,
          stepId,
          action,
          attempt,
          outcome,
        });
        // Only an answer the saga took counts for its participant's breaker and load: a copy
        // was counted with its first delivery, a late answer with the timeout before it.
        if (wasApplied(result)) session.noteOutcome(saga.state, stepId, outcome.status !== 'error');
      }
      return unmatched;
    });
  }
}
