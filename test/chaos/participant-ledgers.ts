// The sample participants' durable ledgers: the `effects` table of each participant's schema.
import type { Database } from '#postgres';
import { quoteIdentifier } from '#saga-participant';
import type { AppliedEffect } from '../support/order-invariants.js';

/** Every effect row of every participant, read from `<schemaPrefix><participant>.effects`. */
export async function readLedgers(
  db: Database,
  schemaPrefix: string,
  participants: readonly string[],
): Promise<AppliedEffect[]> {
  const effects: AppliedEffect[] = [];
  for (const participant of participants) {
    const rows = await db.query<{
      idempotency_key: string;
      command_type: string;
      applied_at: Date;
    }>(
      `SELECT idempotency_key, command_type, applied_at FROM ${quoteIdentifier(schemaPrefix + participant)}.effects ORDER BY id`,
    );
    for (const row of rows) {
      effects.push({
        participant,
        idempotencyKey: row.idempotency_key,
        commandType: row.command_type,
        at: new Date(row.applied_at).toISOString(),
      });
    }
  }
  return effects;
}

/** Drops the participants' schemas. */
export async function dropLedgers(
  db: Database,
  schemaPrefix: string,
  participants: readonly string[],
): Promise<void> {
  for (const participant of participants) {
    await db.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schemaPrefix + participant)} CASCADE`);
  }
}
