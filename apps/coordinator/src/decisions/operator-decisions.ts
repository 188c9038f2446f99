import type { EngineEvent } from '#saga-core';
import { IllegalSagaActionError, SagaNotFoundError } from '../application/saga-errors.js';
import type { OperatorActionAnswer } from '../application/saga-operations.js';
import type { UndeliverableRow } from '../outbox/outbox-relay.js';
import { releaseSetAside, setOutboxRowsAside } from '../outbox/set-aside-rows.js';
import { SAGA_ID, type DecisionRunner } from './decision-runner.js';

/**
 * The operators' path (cancel, resume) and the relay's (a row that can never be sent sets its
 * saga stuck): events that come from outside the saga's participants.
 */
export class OperatorDecisions {
  constructor(private readonly runner: DecisionRunner) {}

  async cancel(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer> {
    return this.operate(sagaId, (now) => ({
      type: 'cancel',
      at: now,
      random: Math.random(),
      actor,
      ...(reason ? { reason } : {}),
    }));
  }

  /** Resumes a stuck saga; its outbox rows set aside are released, for the relay to try again. */
  async resume(sagaId: string, actor: string): Promise<OperatorActionAnswer> {
    return this.operate(sagaId, (now) => ({
      type: 'resume',
      at: now,
      random: Math.random(),
      actor,
    }));
  }

  /**
   * Sets outbox rows aside for good and marks their sagas stuck with the reason (the engine's
   * `undeliverable` event), in one transaction. Rows already sent or set aside are left alone.
   */
  async setAside(rows: readonly UndeliverableRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.runner.decide(async (sql, now, session) => {
      const marked = await setOutboxRowsAside(sql, rows);
      const sagas = await this.runner.lock(sql, [
        ...new Set(marked.flatMap((row) => (row.sagaId === null ? [] : [row.sagaId]))),
      ]);
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

  private async operate(
    sagaId: string,
    event: (now: number) => EngineEvent,
  ): Promise<OperatorActionAnswer> {
    if (!SAGA_ID.test(sagaId)) throw new SagaNotFoundError(sagaId);
    const result = await this.runner.decide(async (sql, now, session) => {
      const saga = (await this.runner.lock(sql, [sagaId])).get(sagaId);
      if (!saga) throw new SagaNotFoundError(sagaId);
      const applied = session.apply(saga, event(now));
      if (applied.rejection === undefined && applied.state.status !== 'stuck') {
        await releaseSetAside(sql, sagaId);
      }
      return applied;
    });
    if (result.rejection) throw new IllegalSagaActionError(result.rejection.message);
    return { sagaId, status: result.state.status };
  }
}
