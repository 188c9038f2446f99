import { setTimeout as sleep } from 'node:timers/promises';
import type { SchemaConnection } from './schema-setup.js';

/**
 * A migration's longest wait for a table lock by default, ms: short, because while its ALTER
 * TABLE waits every statement on that table queues behind it; a wait cut off is tried again
 * (the migrations' callers retry a lock timeout), so the writers stall a second at a time.
 */
export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 1_000;

/** Where a migration lock is taken, and how long it is waited for. */
export interface MigrationLock {
  /** The lock's first key: one per kind of migrator (the coordinator's, the participant kit's). */
  readonly namespace: number;
  /**
   * The schema whose migrations it guards (the second key is its name's hash); none: the
   * session's `current_schema()`, which is null until the schema exists.
   */
  readonly schema?: string;
  /** Epoch ms after which waiting for another process's lock gives up. */
  readonly until: number;
  /** Pause between two tries, ms (default 250). */
  readonly pollMs?: number;
  /** Hears that another process holds the lock (said once). */
  readonly onWait?: () => void;
}

const KEYS = `$1, hashtext(coalesce($2::text, current_schema()))`;

const keysOf = (lock: Pick<MigrationLock, 'namespace' | 'schema'>): unknown[] => [
  lock.namespace,
  lock.schema ?? null,
];

/**
 * Takes the session-level advisory lock of `lock` on `session`, the connection that then runs
 * the migrations. Tried, not waited on, so `lock_timeout` does not cut a wait behind a long
 * migration; if the session dies, the server lets the lock go.
 */
export async function takeMigrationLock(
  session: SchemaConnection,
  lock: MigrationLock,
): Promise<void> {
  const pollMs = lock.pollMs ?? 250;
  let waited = false;
  for (;;) {
    const [row] = (await session.query(
      `SELECT pg_try_advisory_lock(${KEYS}) AS locked`,
      keysOf(lock),
    )) as { locked: boolean }[];
    if (row?.locked) return;
    if (Date.now() + pollMs > lock.until) {
      const of = lock.schema === undefined ? '' : ` of schema "${lock.schema}"`;
      throw new Error(`another process held the migration lock${of} for the whole wait`);
    }
    if (!waited) lock.onWait?.();
    waited = true;
    await sleep(pollMs);
  }
}

/**
 * Lets the lock go; the outcome of the migrations stands whatever happens here. If the unlock
 * fails on a live session, every lock of the session goes, so none returns to a pool held; a
 * dead session is dropped by the pool, and the server has let its locks go.
 */
export async function releaseMigrationLock(
  session: SchemaConnection,
  lock: Pick<MigrationLock, 'namespace' | 'schema'>,
): Promise<void> {
  try {
    await session.query(`SELECT pg_advisory_unlock(${KEYS})`, keysOf(lock));
  } catch {
    await session.query(`SELECT pg_advisory_unlock_all()`).catch(() => undefined);
  }
}
