import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A saga's steps live in its row only (`state.steps`, which the API's step view reads), and
 * `awaiting` lists the participants of its steps in flight (one entry per step), for the load
 * per participant: decisions stop writing `saga_steps`. The index on (status, updated_at) goes,
 * so that an update that keeps the saga's status touches no index and can be HOT (fillfactor
 * 80 leaves room on the pages written from now on); stuck detection and retention find their
 * sagas through the (status, created_at) index instead.
 * Safe with sagas in flight: the column is added with a constant default (no rewrite), then
 * filled from `saga_steps` for the sagas not ended. `saga_steps` itself stays, no longer
 * written, so that instances of the previous version keep running through a rolling upgrade;
 * meanwhile their load per participant drifts (they may hold commands until replaced), and
 * going back to the previous version after this migration shows stale step rows. A later
 * release drops `saga_steps` (and the unused `inbox`).
 */
export class StateInOneRow1765000000000 implements MigrationInterface {
  name = 'StateInOneRow1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE sagas ADD COLUMN awaiting text[] NOT NULL DEFAULT '{}'`);
    await runner.query(`
      UPDATE sagas SET awaiting = flight.participants
      FROM (SELECT saga_id, array_agg(participant ORDER BY step_id) AS participants
            FROM saga_steps
            WHERE status IN ('running', 'compensating') AND participant IS NOT NULL
            GROUP BY saga_id) flight
      WHERE sagas.id = flight.saga_id AND sagas.status IN ('running', 'compensating', 'stuck')`);
    await runner.query(`DROP INDEX sagas_status_updated_idx`);
    await runner.query(`ALTER TABLE sagas SET (fillfactor = 80)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE sagas RESET (fillfactor)`);
    await runner.query(`CREATE INDEX sagas_status_updated_idx ON sagas (status, updated_at)`);
    await runner.query(`ALTER TABLE sagas DROP COLUMN awaiting`);
  }
}
