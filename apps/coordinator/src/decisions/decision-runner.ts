import { performance } from 'node:perf_hooks';
import { isConnectionLoss, isLostRace } from '#postgres';
import type { SagaEngine, SagaRegistry, TransitionResult } from '#saga-core';
import type { WorkSignals } from '../common/work-signals.js';
import type { SagaLog } from '../observability/saga-log.js';
import type { SagaMetrics } from '../observability/saga-metrics.js';
import { removalDeadlines, type OutboxFastPath } from '../outbox/outbox-fast-path.js';
import type { StoredSaga } from '../persistence/saga-rows.js';
import type { CommandGate } from '../resilience/command-gate.js';
import type { SagaStore, SagaTransaction } from '../saga-store/saga-store.js';
import type { SensitiveData } from '../security/sensitive-data.js';
import { DatabaseClock } from './database-clock.js';
import { DecisionSession } from './decision-session.js';
import type { EffectPlanOptions } from './effect-plan.js';
import { SagaStateCache } from './saga-state-cache.js';

/** Who hears about committed decisions (metrics, logs); both optional. */
export interface DecisionTelemetry {
  readonly metrics?: SagaMetrics;
  readonly log?: SagaLog;
}

/** What every decision needs: the store, the engine and what its effects go through. */
export interface DecisionParts {
  readonly store: SagaStore;
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
  /** The most sagas whose state this instance keeps between decisions (default 0: none). */
  readonly stateCacheSize?: number;
}

/** Which version of a saga type new sagas start with (see RegisteredDefinitions). */
export interface StartVersions {
  /** The version a start that names none gets, by its idempotency key; undefined: the latest. */
  versionFor(sagaType: string, idempotencyKey: string): number | undefined;
  /** Whether no new saga may start with that version. */
  isRetired(sagaType: string, version: number): boolean;
  /**
   * Reads the stored definitions again, in a read that begins after the call: a start or a
   * reply naming a version registered on another instance a moment ago then finds it here.
   */
  catchUp?(): Promise<void>;
}

/** Work done in a decision's transaction: `now` is the database's clock, fixed for it. */
export type DecisionWork<T> = (
  tx: SagaTransaction,
  now: number,
  session: DecisionSession,
) => Promise<T>;

/** A decision on sagas given to it (those of the ids asked for that exist), with no SQL of its own. */
export type SagaWork<T> = (
  sagas: ReadonlyMap<string, StoredSaga>,
  now: number,
  session: DecisionSession,
) => T;

/**
 * The decide step every path shares (start, replies, wake-ups, operator actions): one database
 * transaction in which the engine applies events to locked sagas, or, for a decision that reads
 * nothing from the database (replies to sagas in this instance's cache: decideOn; starts whose
 * keys are taken as free: decideUnread), one statement. A DecisionSession collects the new
 * states and effects and writes them (version-checked) before the commit; after the commit, its
 * spans end, the cache keeps the new states, the outcomes reach the breakers, the new outbox
 * rows the fast path, the new timers the poller, and the transitions the metrics and logs. Only
 * then may a caller acknowledge.
 */
export class DecisionRunner {
  private readonly cache: SagaStateCache;
  private readonly clock = new DatabaseClock();

  constructor(readonly parts: DecisionParts) {
    this.cache = new SagaStateCache(parts.stateCacheSize ?? 0);
  }

  /** Runs `work` in one transaction with a session that collects states and effects, then writes them. */
  async decide<T>(work: DecisionWork<T>): Promise<T> {
    const { store, engine, registry, plan, gate, sensitive } = this.parts;
    // The session of the latest attempt (a transaction may run `work` again): once it resolves, the
    // one that committed.
    let latest: DecisionSession | undefined;
    // Before any attempt set its timers: the fast path's sends are on time or late from here.
    const began = performance.now();
    try {
      const result = await store.transaction(async (tx) => {
        latest?.withdraw(); // the attempt before did not commit
        const now = await tx.now();
        this.clock.observe(now);
        latest = new DecisionSession(engine, registry, plan, gate, now, sensitive);
        const value = await work(tx, now, latest);
        await latest.flush(tx);
        return value;
      });
      this.afterCommit(latest!, began);
      return result;
    } catch (error) {
      // The latest attempt may have committed (its COMMIT's answer was lost): its states are
      // not known to be the stored ones. Its commands are taken as not sent (the next reading
      // of the counts corrects that, if they were).
      if (latest) {
        this.cache.forget(latest.committedSagas().map((saga) => saga.state.sagaId));
        latest.withdraw();
      }
      throw error;
    }
  }

  /**
   * Runs `work` on the sagas of `sagaIds` that exist. When this instance holds every one of them
   * in its cache, the decision is made on those states and written in one statement, with no
   * transaction and no lock: its version check stands for both (a transaction only when it
   * also holds commands). When that check fails (another writer moved a saga) or the connection
   * is lost, the decision is taken again in a transaction on the sagas locked and read afresh,
   * which also sees a write whose commit's answer was lost. Any other failure is thrown. A saga
   * whose fields do not open is left out, and `unopenable` told (as by `lock`).
   */
  async decideOn<T>(
    sagaIds: readonly string[],
    work: SagaWork<T>,
    unopenable?: (sagaId: string, error: unknown) => void,
  ): Promise<T> {
    const cached = this.cache.all(sagaIds);
    const decided =
      cached === undefined
        ? 'miss'
        : await this.decideUnread((now, session) => work(cached, now, session));
    this.parts.telemetry?.metrics?.cacheLookup(typeof decided === 'string' ? decided : 'hit');
    if (typeof decided !== 'string') return decided.value;
    return this.decide(async (tx, now, session) =>
      work(await this.lock(tx, sagaIds, false, unopenable), now, session),
    );
  }

  /**
   * Runs `work`, which reads nothing from the database (it starts new sagas, or decides on states
   * it holds) and returns synchronously, and writes its decision in one statement, without a
   * transaction (a transaction only when it also holds commands): its value once committed;
   * `miss` when no clock reading was seen yet; `stale` when the write lost a race (a saga moved,
   * a key was taken) or its connection, and wrote nothing that is known. Any other failure is
   * thrown.
   */
  async decideUnread<T>(
    work: (now: number, session: DecisionSession) => T,
  ): Promise<{ value: T } | 'miss' | 'stale'> {
    const { store, engine, registry, plan, gate, sensitive } = this.parts;
    const now = this.clock.now();
    if (now === undefined) return 'miss';
    const began = performance.now();
    const session = new DecisionSession(engine, registry, plan, gate, now, sensitive);
    const value = work(now, session);
    try {
      if (session.writesInOneStatement) await session.flushAlone(store.alone);
      else await store.transaction((tx) => session.flush(tx), { maxAttempts: 1 });
    } catch (error) {
      this.cache.forget(session.committedSagas().map((saga) => saga.state.sagaId));
      session.withdraw();
      if (isLostRace(error) || isConnectionLoss(error)) return 'stale';
      throw error;
    }
    this.afterCommit(session, began);
    return { value };
  }

  /**
   * Locks sagas (SagaTransaction.lock) and opens their sensitive fields for the engine. A saga
   * whose fields do not open (a key dropped too early) throws, unless `unopenable` is given: it
   * is then told, and the saga left out.
   */
  async lock(
    tx: SagaTransaction,
    sagaIds: readonly string[],
    skipLocked = false,
    unopenable?: (sagaId: string, error: unknown) => void,
  ): Promise<Map<string, StoredSaga>> {
    const sagas = await tx.lock(sagaIds, skipLocked);
    for (const [sagaId, saga] of sagas) {
      try {
        sagas.set(sagaId, { ...saga, state: this.parts.sensitive.openState(saga.state) });
      } catch (error) {
        if (unopenable === undefined) throw error;
        sagas.delete(sagaId);
        unopenable(sagaId, error);
      }
    }
    return sagas;
  }

  private afterCommit(session: DecisionSession, began: number): void {
    const { gate, signals, fastPath, telemetry } = this.parts;
    const { writes, outcomes, transitions, traces, now } = session;
    session.spans.end();
    this.cache.remember(session.committedSagas());
    for (const { participant, healthy } of outcomes) gate.recordOutcome(participant, healthy);
    if (writes.held.length > 0 || outcomes.length > 0) signals.heldWorkChanged();
    telemetry?.metrics?.observe(transitions, now);
    telemetry?.log?.decided(transitions, traces);
    const outbox = session.committedOutbox;
    fastPath.publish(
      outbox.ids,
      outbox.rows,
      session.aheadOfEarlierRows ? [] : outbox.unsentBefore,
      removalDeadlines(began, writes.timers.values()),
    );
    // On this process's clock, as the poller sleeps: a process whose clock runs ahead of the
    // database's saw every hint as past, and polled again at once, for each.
    const local = Date.now();
    for (const timer of writes.timers.values()) {
      signals.timerCommitted(local + (timer.dueAt - now));
    }
  }
}

/** True when the engine acted on the event (it was not fenced off or stale). */
export function wasApplied(result: TransitionResult): boolean {
  return result.effects.some((effect) => effect.type === 'append-audit' && effect.entry.applied);
}

/** What a saga id looks like; anything else names no saga here. */
export const SAGA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
