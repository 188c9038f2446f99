import type { CommandMessage, JsonValue } from '#contracts';
import type { HandlerContext } from '#saga-participant';

/** One effect a sample service applied. */
export interface LedgerEntry {
  readonly idempotencyKey: string;
  readonly commandType: string;
  /** ISO-8601 time it was applied. */
  readonly at: string;
}

/**
 * The effects a sample service applied, in order, so that tests (and the chaos battery) can
 * count them: an idempotency key seen twice means an effect applied twice. A command that
 * changes nothing (undoing what never happened) leaves no entry. When the handler runs in a
 * database transaction, the effect is also written to the service's `effects` table in it
 * (EffectsTableMigration), which is the durable ledger; `entries` is this process's view.
 */
export class EffectLedger {
  private readonly list: LedgerEntry[] = [];

  /** @param now the clock of `at` (default: the system clock). */
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Records that `command` took effect (in memory only); resolves with the entry. */
  record(command: CommandMessage): LedgerEntry {
    const entry = {
      idempotencyKey: command.idempotencyKey,
      commandType: command.commandType,
      at: this.now().toISOString(),
    };
    this.list.push(entry);
    return entry;
  }

  /**
   * Records that `command` took effect, in the handler's transaction when it has one, and
   * answers with `result`: at once without a transaction, once the row is written with one.
   */
  applied<T extends JsonValue>(
    command: CommandMessage,
    context: HandlerContext,
    result: T,
  ): T | Promise<T> {
    const { transaction } = context;
    const remember = () => {
      const entry = this.record(command);
      // A transaction that does not commit takes the entry back with it.
      context.onRollback(() => this.list.splice(this.list.lastIndexOf(entry), 1));
      return result;
    };
    if (transaction === undefined) return remember();
    return transaction
      .query(`INSERT INTO effects (idempotency_key, command_type) VALUES ($1, $2)`, [
        command.idempotencyKey,
        command.commandType,
      ])
      .then(remember);
  }

  /** Every entry, oldest first. */
  get entries(): readonly LedgerEntry[] {
    return [...this.list];
  }

  /** How many entries carry `idempotencyKey`. */
  countOf(idempotencyKey: string): number {
    return this.list.filter((entry) => entry.idempotencyKey === idempotencyKey).length;
  }
}
