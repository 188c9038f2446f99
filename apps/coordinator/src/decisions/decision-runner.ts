import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { SagaEngine, SagaRegistry, TransitionResult } from '#saga-core';
import { inTransaction, type SqlRunner } from '#postgres';
import type { WorkSignals } from '../common/work-signals.js';
import type { SagaLog } from '../observability/saga-log.js';
import type { SagaMetrics } from '../observability/saga-metrics.js';
import { removalDeadlines, type OutboxFastPath } from '../outbox/outbox-fast-path.js';
import { databaseNow, lockSagas, type StoredSaga } from '../persistence/saga-rows.js';
import type { CommandGate } from '../resilience/command-gate.js';
import type { SensitiveData } from '../security/sensitive-data.js';
import { DecisionSession } from './decision-session.js';
import type { EffectPlanOptions } from './effect-plan.js';

/** Who hears about committed decisions (metrics, logs); both optional. */
export interface DecisionTelemetry {
  readonly metrics?: SagaMetrics;
  readonly log?: SagaLog;
}

/** What every decision needs: the database, the engine and what its effects go through. */
export interface DecisionParts {
  readonly dataSource: DataSource;
  readonly engine: SagaEngine;
  readonly registry: SagaRegistry;
  readonly plan: EffectPlanOptions;
  readonly signals: WorkSignals;
  /** Opens a saga's sensitive fields for the engine and seals them again in its row. */
  readonly sensitive: SensitiveData;
  readonly gate: CommandGate;
  readonly fastPath: OutboxFastPath;
  readonly telemetry?: DecisionTelemetry;
  /** Which versions new sagas start with (default: the latest, or the one a start names). */
  readonly versions?: StartVersions;
}

/** Which version of a saga type new sagas start with (see RegisteredDefinitions). */
export interface StartVersions {
  /** The version a start that names none gets, by its idempotency key; undefined: the latest. */
  versionFor(sagaType: string, idempotencyKey: string): number | undefined;
  /** Whether no new saga may start with that version. */
  isRetired(sagaType: string, version: number): boolean;
}

/** Work done in a decision's transaction: `now` is the database's clock, fixed for it. */
export type DecisionWork<T> = (sql: SqlRunner, now: number, session: DecisionSession) => Promise<T>;

/**
 * The decide step every path shares (start, replies, wake-ups, operator actions): one database
 * transaction in which the engine applies events to locked sagas, a DecisionSession collects
 * the new states and effects and writes them (version-checked) before the commit; after the
 * commit, the outcomes reach the breakers, the new outbox rows the fast path, the new timers
 * the poller, and the transitions the metrics and logs. Only then may a caller acknowledge.
 */
export class DecisionRunner {
  constructor(readonly parts: DecisionParts) {}

  /** Runs `work` in one transaction with a session that collects states and effects, then writes them. */
  async decide<T>(work: DecisionWork<T>): Promise<T> {
    const { dataSource, engine, registry, plan, gate, sensitive } = this.parts;
    // The session of the attempt that committed (inTransaction may retry `work`).
    let committed: { session: DecisionSession; now: number } | undefined;
    // Before any attempt set its timers: the fast path's sends are on time or late from here.
    const began = performance.now();
    const result = await inTransaction(dataSource, async (sql) => {
      const now = await databaseNow(sql);
      const session = new DecisionSession(engine, registry, plan, gate, now, sensitive);
      const value = await work(sql, now, session);
      await session.flush(sql);
      committed = { session, now };
      return value;
    });
    const { session, now } = committed!;
    this.afterCommit(session, now, began);
    return result;
  }

  /** Locks sagas (see lockSagas) and opens their sensitive fields for the engine. */
  async lock(
    sql: SqlRunner,
    sagaIds: string[],
    skipLocked = false,
  ): Promise<Map<string, StoredSaga>> {
    const sagas = await lockSagas(sql, sagaIds, skipLocked);
    for (const [sagaId, saga] of sagas) {
      sagas.set(sagaId, { ...saga, state: this.parts.sensitive.openState(saga.state) });
    }
    return sagas;
  }

  private afterCommit(session: DecisionSession, now: number, began: number): void {
    const { gate, signals, fastPath, telemetry } = this.parts;
    const { writes, outcomes, transitions, traces } = session;
    for (const { participant, healthy } of outcomes) gate.recordOutcome(participant, healthy);
    if (writes.held.length > 0 || outcomes.length > 0) signals.heldWorkChanged();
    telemetry?.metrics?.observe(transitions, now);
    telemetry?.log?.decided(transitions, traces);
    const outbox = session.committedOutbox;
    fastPath.publish(
      outbox.ids,
      outbox.rows,
      outbox.unsentBefore,
      removalDeadlines(began, writes.timers.values()),
    );
    for (const timer of writes.timers.values()) signals.timerCommitted(timer.dueAt);
  }
}

/** True when the engine acted on the event (it was not fenced off or stale). */
export function wasApplied(result: TransitionResult): boolean {
  return result.effects.some((effect) => effect.type === 'append-audit' && effect.entry.applied);
}

/** What a saga id looks like; anything else names no saga here. */
export const SAGA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
