import type { SqlRunner, TransactionOptions } from '#postgres';
import type { UndeliverableRow } from '../outbox/set-aside-rows.js';
import type { DecisionRows, WrittenOutbox } from '../persistence/decision-rows.js';
import type { KeyedSaga, SagaKey, StoredSaga } from '../persistence/saga-rows.js';
import type { DueTimer, OverdueVersion, SagaVersion } from '../persistence/saga-timers.js';
import type { HeldCommandRow } from '../resilience/held-commands.js';

/** Where a decision's writes go in its transaction (SagaStore.alone writes one alone). */
export interface DecisionWriter {
  /**
   * Writes the decision, version-checked (see writeDecision): a moved saga, or a new saga's key
   * already taken, fails it whole with 40001.
   */
  write(rows: DecisionRows): Promise<WrittenOutbox>;
  /** Stores commands that may not be sent yet (see holdCommands). */
  hold(commands: readonly HeldCommandRow[]): Promise<void>;
}

/** What a decision reads and writes in its one transaction. */
export interface SagaTransaction extends DecisionWriter {
  /** The database's clock when the transaction began, epoch ms. */
  now(): Promise<number>;
  /** Locks the sagas of `sagaIds` that exist, in id order (see lockSagas); sealed fields stay sealed. */
  lock(sagaIds: readonly string[], skipLocked?: boolean): Promise<Map<string, StoredSaga>>;
  /** The sagas started under the keys given, by keyOf (see findByIdempotencyKeys). */
  findByIdempotencyKeys(keys: readonly SagaKey[]): Promise<Map<string, KeyedSaga>>;
  /** Up to `limit` sagas of the versions `known` with timers that may be due (see findSagasDue). */
  sagasDue(
    limit: number,
    holdReplyTimeouts: boolean,
    known: readonly SagaVersion[],
  ): Promise<string[]>;
  /**
   * Takes the due timers of the named sagas, which the caller locked, off their rows: the ones
   * returned fire in this transaction (see takeDueTimers).
   */
  takeDueTimers(sagaIds: readonly string[], holdReplyTimeouts: boolean): Promise<DueTimer[]>;
  /** Puts the wake-ups of the named sagas, which the caller locked, off by `delayMs` (see putOffWakeups). */
  putOffWakeups(sagaIds: readonly string[], delayMs: number): Promise<void>;
  /** Marks outbox rows set aside; resolves with the rows it marked (see setOutboxRowsAside). */
  setAside(rows: readonly UndeliverableRow[]): Promise<UndeliverableRow[]>;
  /** Sends a saga's rows set aside again, once it is no longer stuck (see releaseSetAside). */
  releaseSetAside(sagaId: string): Promise<void>;
  /** The reply timers held with the named sagas' commands (see heldReplyTimerIds). */
  heldReplyTimers(sagaIds: readonly string[]): Promise<string[]>;
  /**
   * The transaction's SQL, for work of another module that joins the decision's transaction
   * (a bulk operation takes its chunk and records what was refused in it).
   */
  readonly sql: SqlRunner;
}

/**
 * The port between the decisions and the tables they keep: a transaction with the reads and
 * writes a decision makes, or a decision's write alone. PostgresSagaStore is its implementation,
 * on the real server and on the embedded one alike.
 */
export interface SagaStore {
  /**
   * Runs `work` in one transaction, run again whole when it lost a race or its connection before
   * the commit (Database.transaction).
   */
  transaction<T>(
    work: (tx: SagaTransaction) => Promise<T>,
    options?: TransactionOptions<T>,
  ): Promise<T>;
  /**
   * Writes a decision outside any transaction, as one statement (its version check stands for a
   * lock); held commands need a transaction, so there is no `hold` here.
   */
  readonly alone: Pick<DecisionWriter, 'write'>;
  /**
   * Moves into their sagas' rows the timers an instance of the release before timers in the row
   * wrote in its table (during a rolling update); resolves with how many (see adoptLegacyTimers).
   */
  adoptLegacyTimers(limit: number): Promise<number>;
  /**
   * The definition versions other than `known` with wake-ups overdue by `overdueMs` or more
   * (see findOverdueOfOtherVersions).
   */
  overdueOfOtherVersions(
    known: readonly SagaVersion[],
    overdueMs: number,
  ): Promise<OverdueVersion[]>;
}
