import { Logger } from '@nestjs/common';
import { describeError } from '#errors';
import type { EngineEvent, SagaStatus } from '#saga-core';
import type { SqlRunner } from '#postgres';
import {
  IllegalSagaActionError,
  SagaNotFoundError,
  SagaVersionNotRunHereError,
} from '../application/saga-errors.js';
import type { OperatorActionAnswer } from '../application/saga-operations.js';
import type { UndeliverableRow } from '../outbox/set-aside-rows.js';
import type { SagaTransaction } from '../saga-store/saga-store.js';
import { SAGA_ID, type DecisionRunner } from './decision-runner.js';
import type { DecisionSession } from './decision-session.js';
import type { StoredSaga } from '../persistence/saga-rows.js';

/** An operator's action on a saga, with who asks and why (the audit records both). */
export type OperatorAction =
  | { readonly type: 'cancel' | 'resume'; readonly actor: string; readonly reason?: string }
  | {
      readonly type: 'retry-step';
      readonly stepId: string;
      readonly actor: string;
      readonly reason?: string;
    };

/** The sagas a bulk action takes in one transaction, and what it does to each. */
export interface BulkTake {
  readonly sagaIds: readonly string[];
  readonly action: OperatorAction;
}

/**
 * The operators' path (cancel, resume, retry a step) and the relay's (a row that can never be sent sets its
 * saga stuck): events that come from outside the saga's participants.
 */
export class OperatorDecisions {
  private readonly logger = new Logger('SagaDecisions');

  constructor(private readonly runner: DecisionRunner) {}

  async cancel(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer> {
    return this.operate(sagaId, withReason({ type: 'cancel', actor }, reason));
  }

  /** Resumes a stuck saga; its outbox rows set aside are released, for the relay to try again. */
  async resume(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer> {
    return this.operate(sagaId, withReason({ type: 'resume', actor }, reason));
  }

  /** Tries one step again now (see the engine's `retry-step`). */
  async retryStep(
    sagaId: string,
    stepId: string,
    actor: string,
    reason?: string,
  ): Promise<OperatorActionAnswer> {
    return this.operate(sagaId, withReason({ type: 'retry-step', stepId, actor }, reason));
  }

  /**
   * Applies one action to many sagas in one transaction: `take` names them (and may claim them
   * in that transaction), the engine acts on each as `operate` does on one (sagas locked by
   * another transaction are waited for), and `record` gets the refusal of each saga the engine
   * refused or that is gone, by id, before the commit. Resolves with how many were taken.
   */
  async actInBulk(
    take: (sql: SqlRunner) => Promise<BulkTake | undefined>,
    record: (sql: SqlRunner, refused: ReadonlyMap<string, string>) => Promise<void>,
  ): Promise<number> {
    // A saga of a version this instance has not read yet (registered a moment ago on another)
    // is not refused for it: the chunk is rolled back, the definitions read again, and the chunk
    // taken again; a version still unknown then is one this release does not run, refused.
    try {
      return await this.bulkChunk(take, record, false);
    } catch (error) {
      if (!(error instanceof VersionsUnknown)) throw error;
      await this.runner.parts.versions?.catchUp?.();
      return this.bulkChunk(take, record, true);
    }
  }

  private bulkChunk(
    take: (sql: SqlRunner) => Promise<BulkTake | undefined>,
    record: (sql: SqlRunner, refused: ReadonlyMap<string, string>) => Promise<void>,
    caughtUp: boolean,
  ): Promise<number> {
    return this.runner.decide(async (tx, now, session) => {
      const taken = await take(tx.sql);
      if (taken === undefined) return 0;
      const refused = new Map<string, string>();
      const unstuck: string[] = [];
      const sagas = await this.runner.lock(
        tx,
        taken.sagaIds.filter((id) => SAGA_ID.test(id)),
      );
      const canCatchUp = !caughtUp && this.runner.parts.versions?.catchUp !== undefined;
      if (canCatchUp && [...sagas.values()].some((saga) => !this.runsVersionOf(saga))) {
        throw new VersionsUnknown();
      }
      for (const sagaId of taken.sagaIds) {
        const saga = sagas.get(sagaId);
        if (saga === undefined) {
          refused.set(sagaId, 'the saga no longer exists');
          continue;
        }
        const applied = session.apply(saga, event(taken.action, now));
        if (applied.rejection !== undefined) refused.set(sagaId, applied.rejection.message);
        else if (wasUnstuck(saga.state.status, session.stateOf(sagaId)!.status))
          unstuck.push(sagaId);
      }
      await resumed(tx, session, unstuck);
      await record(tx.sql, refused);
      return taken.sagaIds.length;
    });
  }

  /**
   * Sets outbox rows aside for good and marks their sagas stuck with the reason (the engine's
   * `undeliverable` event), in one transaction. Rows already sent or set aside are left alone.
   * The sagas' `saga.stuck` events go out at once, by the fast path, not behind the rows set
   * aside (all the sagas' later rows wait for a resume); if that publish fails, or the fast path
   * holds a saga back for another row in its batch, they wait too.
   */
  async setAside(rows: readonly UndeliverableRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.runner.decide(async (tx, now, session) => {
      session.aheadOfEarlierRows = true;
      const marked = await tx.setAside(rows);
      // A saga whose state does not open (a key dropped too early) cannot be marked stuck: its
      // rows are set aside all the same, and its lane moves on.
      const sagas = await this.runner.lock(
        tx,
        [...new Set(marked.flatMap((row) => (row.sagaId === null ? [] : [row.sagaId])))],
        false,
        (sagaId, error) =>
          this.logger.error(
            `saga ${sagaId} has an outbox row set aside but is not marked stuck: its state does not open (${describeError(error)})`,
          ),
      );
      for (const row of marked) {
        const saga = row.sagaId === null ? undefined : sagas.get(row.sagaId);
        if (saga === undefined) continue;
        session.apply(saga, {
          type: 'undeliverable',
          at: now,
          random: Math.random(),
          topic: row.topic,
          reason: row.reason,
        });
      }
    });
  }

  /**
   * Applies `action` to the saga. One of a definition version this instance does not run is
   * left as it was: the definitions are read again and the action tried once more, and if the
   * version is still unknown here the answer is a SagaVersionNotRunHereError (503: another
   * instance, or this one later, can act), not a refusal by the saga.
   */
  private async operate(sagaId: string, action: OperatorAction): Promise<OperatorActionAnswer> {
    // Saga ids are stored in lower case; a UUID means the same in either case.
    const id = sagaId.toLowerCase();
    if (!SAGA_ID.test(id)) throw new SagaNotFoundError(sagaId);
    let result = await this.operateOnce(id, action);
    if (result === undefined) {
      await this.runner.parts.versions?.catchUp?.();
      result = await this.operateOnce(id, action);
    }
    if (result === undefined) {
      throw new SagaVersionNotRunHereError(
        `saga ${id} runs a definition version this instance does not run: try again, or ask an instance that runs it`,
      );
    }
    if ('refused' in result) throw new IllegalSagaActionError(result.refused);
    return { sagaId: id, status: result.status };
  }

  /** The saga's status after `action`, the engine's refusal, or undefined if its version is unknown here. */
  private operateOnce(
    sagaId: string,
    action: OperatorAction,
  ): Promise<{ status: SagaStatus } | { refused: string } | undefined> {
    return this.runner.decide(async (tx, now, session) => {
      const saga = (await this.runner.lock(tx, [sagaId])).get(sagaId);
      if (!saga) throw new SagaNotFoundError(sagaId);
      if (!this.runsVersionOf(saga)) return undefined;
      const applied = session.apply(saga, event(action, now));
      if (applied.rejection !== undefined) return { refused: applied.rejection.message };
      const { status } = session.stateOf(sagaId)!;
      if (wasUnstuck(saga.state.status, status)) await resumed(tx, session, [sagaId]);
      return { status };
    });
  }

  private runsVersionOf(saga: StoredSaga): boolean {
    const { sagaType, sagaVersion } = saga.state;
    return this.runner.parts.registry.get(sagaType, sagaVersion) !== undefined;
  }
}

/** Thrown to roll a bulk chunk back when a saga of it runs a version unknown here. */
class VersionsUnknown extends Error {}

/** The action as the engine's event, at the transaction's time. */
function event(action: OperatorAction, now: number): EngineEvent {
  return { ...action, at: now, random: Math.random() };
}

function withReason<T extends object>(action: T, reason: string | undefined): T {
  return reason ? { ...action, reason } : action;
}

/** Whether an action took its saga out of `stuck` (a resume, or a retry of a step it halted on). */
function wasUnstuck(before: string, after: string): boolean {
  return before === 'stuck' && after !== 'stuck';
}

/**
 * What follows for sagas an action took out of `stuck`:
 * - their set-aside outbox rows come back, for the relay (only a stuck saga has any: setting
 *   rows aside makes their saga stuck in the same transaction);
 * - the reply timeouts the engine armed again for their steps in flight are left to the steps
 *   whose command is still held (its participant at its cap, or its breaker open): such a timer
 *   goes with its command, armed when it is sent; armed now, it would count from the resume and
 *   could fire before the send.
 */
async function resumed(
  tx: SagaTransaction,
  session: DecisionSession,
  sagaIds: readonly string[],
): Promise<void> {
  if (sagaIds.length === 0) return;
  for (const sagaId of sagaIds) await tx.releaseSetAside(sagaId);
  session.leaveToHeldCommands(await tx.heldReplyTimers(sagaIds));
}
