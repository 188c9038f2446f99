import type { CommandMessage } from '#contracts';

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
 * changes nothing (undoing what never happened) leaves no entry.
 */
export class EffectLedger {
  private readonly applied: LedgerEntry[] = [];

  /** @param now the clock of `at` (default: the system clock). */
  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Records that `command` took effect. */
  record(command: CommandMessage): void {
    this.applied.push({
      idempotencyKey: command.idempotencyKey,
      commandType: command.commandType,
      at: this.now().toISOString(),
    });
  }

  /** Every entry, oldest first. */
  get entries(): readonly LedgerEntry[] {
    return [...this.applied];
  }

  /** How many entries carry `idempotencyKey`. */
  countOf(idempotencyKey: string): number {
    return this.applied.filter((entry) => entry.idempotencyKey === idempotencyKey).length;
  }
}
