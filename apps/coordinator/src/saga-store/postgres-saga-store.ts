import type { Database, SqlRunner, TransactionOptions } from '#postgres';
import type { UndeliverableRow } from '../outbox/set-aside-rows.js';
import { releaseSetAside, setOutboxRowsAside } from '../outbox/set-aside-rows.js';
import { writeDecision, type DecisionRows } from '../persistence/decision-rows.js';
import {
  databaseNow,
  findByIdempotencyKeys,
  lockSagas,
  type SagaKey,
} from '../persistence/saga-rows.js';
import {
  adoptLegacyTimers,
  findOverdueOfOtherVersions,
  findSagasDue,
  putOffWakeups,
  takeDueTimers,
  type SagaVersion,
} from '../persistence/saga-timers.js';
import {
  heldReplyTimerIds,
  holdCommands,
  type HeldCommandRow,
} from '../resilience/held-commands.js';
import type { SagaStore, SagaTransaction } from './saga-store.js';

/** How the store writes rows. */
export interface PostgresSagaStoreOptions {
  /** Outbox rows leave out the headers their payload gives (see outbox-headers.ts; default true). */
  readonly compactOutboxHeaders?: boolean;
}

/** The SagaStore on the coordinator's Postgres tables (or PGlite's, in the embedded mode). */
export class PostgresSagaStore implements SagaStore {
  readonly alone: SagaStore['alone'];
  private readonly compact: boolean;

  constructor(
    private readonly database: Database,
    options: PostgresSagaStoreOptions = {},
  ) {
    this.compact = options.compactOutboxHeaders ?? true;
    this.alone = { write: (rows) => writeDecision(database, rows, this.compact) };
  }

  adoptLegacyTimers(limit: number): Promise<number> {
    return adoptLegacyTimers(this.database, limit);
  }

  overdueOfOtherVersions(known: readonly SagaVersion[], overdueMs: number) {
    return findOverdueOfOtherVersions(this.database, known, overdueMs);
  }

  transaction<T>(
    work: (tx: SagaTransaction) => Promise<T>,
    options?: TransactionOptions<T>,
  ): Promise<T> {
    return this.database.transaction(
      (sql) => work(new PostgresTransaction(sql, this.compact)),
      options,
    );
  }
}

class PostgresTransaction implements SagaTransaction {
  constructor(
    readonly sql: SqlRunner,
    private readonly compactHeaders: boolean,
  ) {}

  now(): Promise<number> {
    return databaseNow(this.sql);
  }

  lock(sagaIds: readonly string[], skipLocked = false) {
    return lockSagas(this.sql, [...sagaIds], skipLocked);
  }

  findByIdempotencyKeys(keys: readonly SagaKey[]) {
    return findByIdempotencyKeys(this.sql, keys);
  }

  sagasDue(limit: number, holdReplyTimeouts: boolean, known: readonly SagaVersion[]) {
    return findSagasDue(this.sql, limit, holdReplyTimeouts, known);
  }

  takeDueTimers(sagaIds: readonly string[], holdReplyTimeouts: boolean) {
    return takeDueTimers(this.sql, sagaIds, holdReplyTimeouts);
  }

  putOffWakeups(sagaIds: readonly string[], delayMs: number) {
    return putOffWakeups(this.sql, sagaIds, delayMs);
  }

  setAside(rows: readonly UndeliverableRow[]) {
    return setOutboxRowsAside(this.sql, rows);
  }

  releaseSetAside(sagaId: string) {
    return releaseSetAside(this.sql, sagaId);
  }

  heldReplyTimers(sagaIds: readonly string[]) {
    return heldReplyTimerIds(this.sql, sagaIds);
  }

  write(rows: DecisionRows) {
    return writeDecision(this.sql, rows, this.compactHeaders);
  }

  hold(commands: readonly HeldCommandRow[]) {
    return holdCommands(this.sql, commands);
  }
}
