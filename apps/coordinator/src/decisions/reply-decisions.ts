import type { ReplyMessage } from '#contracts';
import { describeError } from '#errors';
import { SAGA_ID, wasApplied, type DecisionRunner } from './decision-runner.js';

/** A reply not applied, by its index in the batch, with why: the handler dead-letters it. */
export interface UnappliedReply {
  readonly index: number;
  readonly reason: string;
}

/**
 * The reply path: participants' answers applied to their sagas. The saga's state applies each
 * answer at most once: a duplicate, late or stale one is fenced (audited as ignored, with no
 * other effect: no state change, no breaker sample). Replies to sagas this instance decided
 * last are decided on their cached state, in one statement (see DecisionRunner.decideOn).
 */
export class ReplyDecisions {
  constructor(private readonly runner: DecisionRunner) {}

  /**
   * Applies the replies in one decision; resolves with those it could not apply, changing
   * nothing: one that names no saga here, and one whose saga runs a definition version this
   * instance cannot run (registered on another instance a moment ago: the stored definitions are
   * read again and it is tried once more first; or defined by a release this one is not). Such
   * a reply, dead-lettered, can be replayed from an instance that runs the version. So can one
   * whose saga's state does not open here (sealed under a key not in the keyring), once the key
   * is back: the others are applied all the same.
   */
  async apply(replies: readonly ReplyMessage[]): Promise<UnappliedReply[]> {
    const first = await this.applyKnown(replies, [...replies.keys()]);
    if (first.versionUnknown.length === 0) return first.unapplied;
    await this.runner.parts.versions?.catchUp?.();
    const again = await this.applyKnown(
      replies,
      first.versionUnknown.map(({ index }) => index),
    );
    return [...first.unapplied, ...again.unapplied, ...again.versionUnknown].sort(
      (a, b) => a.index - b.index,
    );
  }

  /**
   * One decision over the replies at `indexes`: those it could not apply, by their index in
   * `replies`, and apart from them those whose saga runs a definition version unknown here
   * (left alone).
   */
  private async applyKnown(
    replies: readonly ReplyMessage[],
    indexes: readonly number[],
  ): Promise<{ unapplied: UnappliedReply[]; versionUnknown: UnappliedReply[] }> {
    if (indexes.length === 0) return { unapplied: [], versionUnknown: [] };
    // Saga ids are stored in lower case; a UUID means the same in either case.
    const named = new Map(indexes.map((index) => [index, replies[index]!.sagaId.toLowerCase()]));
    const sagaIds = [...named.values()].filter((id) => SAGA_ID.test(id));
    const { registry } = this.runner.parts;
    const unopened = new Map<string, unknown>();
    return this.runner.decideOn(
      sagaIds,
      (sagas, now, session) => {
        const unapplied: UnappliedReply[] = [];
        const versionUnknown: UnappliedReply[] = [];
        for (const index of indexes) {
          const reply = replies[index]!;
          const sagaId = named.get(index)!;
          const saga = sagas.get(sagaId);
          if (!saga) {
            const reason = unopened.has(sagaId)
              ? stateUnopened(reply, unopened.get(sagaId))
              : noSagaHere(reply);
            unapplied.push({ index, reason });
            continue;
          }
          const { sagaType, sagaVersion } = saga.state;
          if (registry.get(sagaType, sagaVersion) === undefined) {
            versionUnknown.push({ index, reason: versionNotRun(reply, sagaType, sagaVersion) });
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
          if (wasApplied(result))
            session.noteOutcome(saga.state, stepId, outcome.status !== 'error');
        }
        return { unapplied, versionUnknown };
      },
      (sagaId, error) => unopened.set(sagaId, error),
    );
  }
}

function versionNotRun(reply: ReplyMessage, sagaType: string, sagaVersion: number): string {
  return `reply for saga ${reply.sagaId}, which runs "${sagaType}" version ${sagaVersion}: this instance cannot run that version (replay it once one that can runs)`;
}

function stateUnopened(reply: ReplyMessage, error: unknown): string {
  return `reply for saga ${reply.sagaId}, whose state does not open here (${describeError(error)}): replay it once the keyring holds its key`;
}

function noSagaHere(reply: ReplyMessage): string {
  return `reply for saga ${reply.sagaId}, unknown here (another deployment's, or deleted by retention)`;
}
