import { topicNames } from '#contracts';
import { createSagaEngine, createSagaRegistry, type SagaRegistry } from '#saga-core';
import { WorkSignals } from '../common/work-signals.js';
import { resilienceConfig, resilienceEnvironmentSchema } from '../config/resilience-config.js';
import type { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import type { UndeliverableRow } from '../outbox/set-aside-rows.js';
import type { DecisionRows } from '../persistence/decision-rows.js';
import type { DueTimer, OverdueVersion, SagaVersion } from '../persistence/saga-timers.js';
import { keyOf, type KeyedSaga, type SagaKey, type StoredSaga } from '../persistence/saga-rows.js';
import { CommandGate } from '../resilience/command-gate.js';
import type { HeldCommandRow } from '../resilience/held-commands.js';
import type { SagaStore, SagaTransaction } from '../saga-store/saga-store.js';
import { orderSaga } from '../sagas/order.saga.js';
import { FieldCipher } from '../security/field-cipher.js';
import { parseKeyring } from '../security/keyring.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import { DecisionRunner, type DecisionParts } from './decision-runner.js';
import { StartDecisions } from './start-decisions.js';

export const registry = createSagaRegistry([orderSaga]);
export const NOW = Date.parse('2026-12-05T00:00:00Z');

/**
 * An order saga's input that every participant accepts (an apple in stock, a small amount); the
 * integration tests' load (test/support/saga-load.ts) uses it too.
 */
export const orderInput = (orderId: string) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'apple', quantity: 1 }],
  amount: 120,
  currency: 'EUR',
});

/**
 * A store in memory that keeps sagas as the real one does: a write checks the version each
 * saga was read at, and that no new saga's key is taken, and fails whole with a serialization
 * failure (40001) otherwise.
 */
export class MemoryStore implements SagaStore {
  readonly rows = new Map<string, StoredSaga>();
  transactions = 0;
  writesAlone = 0;
  /** Makes the next write alone fail with this error instead of writing. */
  failNextAlone: Error | undefined;
  /** Makes the next write alone write, then fail with this error (its answer lost). */
  loseNextAloneAnswer: Error | undefined;
  /** Runs before the next write (another instance's write, say). */
  beforeNextWrite: (() => void) | undefined;
  /** Sagas whose every update the database refuses, as a value it cannot store (22P05). */
  readonly refused = new Set<string>();
  /** The timers due now, by saga: what sagasDue finds and takeDueTimers takes. */
  readonly dueTimers = new Map<string, DueTimer[]>();
  /** The sagas whose wake-ups were put off (no longer due now), in order. */
  readonly putOff: string[] = [];
  /** The definition versions the last sagasDue was asked for. */
  knownWhenDue: readonly SagaVersion[] | undefined;

  readonly alone: SagaStore['alone'] = {
    write: async (rows) => {
      this.writesAlone++;
      const failure = this.failNextAlone;
      this.failNextAlone = undefined;
      if (failure !== undefined) throw failure;
      const written = await this.write(rows);
      const lost = this.loseNextAloneAnswer;
      this.loseNextAloneAnswer = undefined;
      if (lost !== undefined) throw lost;
      return written;
    },
  };

  /** The commands held (tx.hold), in order: a lock names their participants (heldFor). */
  readonly held: HeldCommandRow[] = [];

  /** The outbox rows set aside (tx.setAside), in order. */
  readonly setAsideRows: UndeliverableRow[] = [];

  /** No earlier release's timers table here. */
  adoptLegacyTimers = async (): Promise<number> => 0;

  /** The versions with wake-ups overdue: what overdueOfOtherVersions finds, less those known. */
  readonly overdue: OverdueVersion[] = [];

  overdueOfOtherVersions = async (known: readonly SagaVersion[]): Promise<OverdueVersion[]> =>
    this.overdue.filter(
      (v) => !known.some((k) => k.sagaType === v.sagaType && k.sagaVersion === v.sagaVersion),
    );

  /** As Database.transaction: run again whole when it lost a race (5 attempts at most). */
  async transaction<T>(
    work: (tx: SagaTransaction) => Promise<T>,
    options: { maxAttempts?: number } = {},
  ): Promise<T> {
    const tx = {
      now: async () => NOW,
      lock: async (ids: readonly string[]) =>
        new Map(ids.flatMap((id) => (this.rows.has(id) ? [[id, this.withHeldFor(id)]] : []))),
      findByIdempotencyKeys: async (keys: readonly SagaKey[]) => this.findByKeys(keys),
      write: (rows: DecisionRows) => this.write(rows),
      hold: async (rows: readonly HeldCommandRow[]) => void this.held.push(...rows),
      sagasDue: async (_limit: number, _hold: boolean, known: readonly SagaVersion[]) => {
        this.knownWhenDue = known;
        return [...this.dueTimers.keys()];
      },
      putOffWakeups: async (ids: readonly string[]) => {
        for (const id of ids) {
          this.putOff.push(id);
          this.dueTimers.delete(id);
        }
      },
      setAside: async (rows: readonly UndeliverableRow[]) => {
        this.setAsideRows.push(...rows);
        return rows;
      },
      takeDueTimers: async (ids: readonly string[]) =>
        ids.flatMap((id) => {
          const timers = this.dueTimers.get(id) ?? [];
          this.dueTimers.delete(id);
          return timers;
        }),
    } as unknown as SagaTransaction;
    for (let attempt = 1; ; attempt++) {
      this.transactions++;
      // Rolled back with the transaction: the timers it took.
      const due = new Map(this.dueTimers);
      try {
        return await work(tx);
      } catch (error) {
        this.dueTimers.clear();
        for (const [sagaId, timers] of due) this.dueTimers.set(sagaId, timers);
        const lostRace = (error as { code?: string }).code === '40001';
        if (!lostRace || attempt >= (options.maxAttempts ?? 5)) throw error;
      }
    }
  }

  /** Inserts a saga as another instance's start would. */
  insert(saga: StoredSaga): void {
    this.rows.set(saga.state.sagaId, saga);
  }

  /** Seals a saga's card token under a key no instance holds (dropped too early): it no longer opens. */
  sealAway(sagaId: string): void {
    const row = this.rows.get(sagaId)!;
    const input = row.state.input as Record<string, unknown>;
    const payment = { cardToken: 'enc:v1:gone:AAAA:AAAA:AAAA' };
    this.rows.set(sagaId, { ...row, state: { ...row.state, input: { ...input, payment } } });
  }

  /** Moves a saga's version as another instance's decision would. */
  moveBehindTheCache(sagaId: string): void {
    const row = this.rows.get(sagaId)!;
    this.rows.set(sagaId, { ...row, rowVersion: row.rowVersion + 1 });
  }

  /** A saga's row as a lock reads it: with the participants it has commands held for. */
  private withHeldFor(sagaId: string): StoredSaga {
    const row = this.rows.get(sagaId)!;
    const ofSaga = this.held.filter((held) => held.sagaId === sagaId);
    const heldFor = [...new Set(ofSaga.map((held) => held.command.participant))];
    return heldFor.length === 0 ? row : { ...row, heldFor };
  }

  private findByKeys(keys: readonly SagaKey[]): Map<string, KeyedSaga> {
    const wanted = new Set(keys.map(keyOf));
    const found = new Map<string, KeyedSaga>();
    for (const { state, idempotencyKey } of this.rows.values()) {
      const key = keyOf({ sagaType: state.sagaType, idempotencyKey });
      if (!wanted.has(key)) continue;
      const { sagaId, sagaType, sagaVersion, status, input } = state;
      found.set(key, { sagaId, sagaType, sagaVersion, status, input });
    }
    return found;
  }

  private async write(rows: DecisionRows) {
    const before = this.beforeNextWrite;
    this.beforeNextWrite = undefined;
    before?.();
    if (rows.updates.some(({ state }) => this.refused.has(state.sagaId))) {
      throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
    }
    const read = [
      ...rows.updates.map(({ state, rowVersion }) => ({ sagaId: state.sagaId, rowVersion })),
      ...rows.unchanged,
    ];
    const changed = read.filter(
      ({ sagaId, rowVersion }) => this.rows.get(sagaId)?.rowVersion !== rowVersion,
    ).length;
    const taken = this.findByKeys(
      rows.inserts.map(({ state, idempotencyKey }) => ({
        sagaType: state.sagaType,
        idempotencyKey,
      })),
    ).size;
    if (changed + taken > 0) {
      throw Object.assign(new Error(`${changed + taken} saga(s) changed meanwhile`), {
        code: '40001',
      });
    }
    for (const { state, idempotencyKey, traceContext } of rows.inserts) {
      this.rows.set(state.sagaId, { state, rowVersion: 1, idempotencyKey, traceContext });
    }
    for (const { state, rowVersion } of rows.updates) {
      const stored = this.rows.get(state.sagaId)!;
      this.rows.set(state.sagaId, { ...stored, state, rowVersion: rowVersion + 1 });
    }
    return { ids: rows.outbox.map((_, index) => String(index + 1)), unsentBefore: [] };
  }
}

/**
 * The definitions of an instance that has not read the order saga yet: registered on another
 * instance a moment ago (`store`), it is found by the next catch-up, a read of what is stored.
 */
export function lateDefinitions() {
  const sagas = createSagaRegistry([]);
  let stored = false;
  let reads = 0;
  const versions: NonNullable<DecisionParts['versions']> = {
    versionFor: () => undefined,
    isRetired: () => false,
    catchUp: async () => {
      reads++;
      if (stored && sagas.get('order', 1) === undefined) sagas.register(orderSaga);
    },
  };
  return { sagas, versions, reads: () => reads, store: () => void (stored = true) };
}

/** A runner on `store` with the order saga, its state cache on. */
export function runnerOn(
  store: MemoryStore,
  {
    versions,
    resilience = {},
    sagas = registry,
  }: {
    versions?: DecisionParts['versions'];
    /** The resilience settings by their environment variables. */
    resilience?: Record<string, string>;
    /** The definitions this runner knows (default: the order saga). */
    sagas?: SagaRegistry;
  } = {},
): DecisionRunner {
  return new DecisionRunner({
    ...(versions === undefined ? {} : { versions }),
    store,
    engine: createSagaEngine(sagas),
    registry: sagas,
    plan: { topics: topicNames(), timeScale: 1, lanes: 4 },
    signals: new WorkSignals(),
    sensitive: new SensitiveData(
      sagas,
      new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 7).toString('base64')}`)),
    ),
    gate: new CommandGate(resilienceConfig(resilienceEnvironmentSchema.parse(resilience))),
    fastPath: { publish: () => undefined } as unknown as OutboxFastPath,
    stateCacheSize: 100,
  });
}

/** Starts an order saga of idempotency key `key` on `store`, with the start path's defaults; its id. */
export async function startOrderOn(store: MemoryStore, key: string): Promise<string> {
  const starts = new StartDecisions(runnerOn(store), {
    admission: new SagaAdmission(1_000),
    repliesFirst: new RepliesFirst(100, 1),
    waitForRepliesMs: 5_000,
    maxWaitingBytes: 64 * 1024 * 1024,
    maxContextBytes: 64 * 1024,
  });
  const [started] = await starts.startMany([
    { sagaType: 'order', idempotencyKey: key, input: orderInput(key) },
  ]);
  if (started === undefined || started instanceof Error) throw new Error('no saga started');
  return started.sagaId;
}
