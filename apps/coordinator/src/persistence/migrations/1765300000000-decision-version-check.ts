import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `saga_rows_changed(expected, updated)`: raises a serialization failure (40001) when a
 * decision's statement updated fewer saga rows than it read (another writer moved their
 * version meanwhile), so the statement, and whatever it wrote, is undone by the server even
 * when it runs alone, outside a transaction. A new function only: safe with sagas in flight.
 */
export class DecisionVersionCheck1765300000000 implements MigrationInterface {
  name = 'DecisionVersionCheck1765300000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE OR REPLACE FUNCTION saga_rows_changed(expected integer, updated integer)
      RETURNS integer LANGUAGE plpgsql AS $$
      BEGIN
        IF updated <> expected THEN
          RAISE EXCEPTION '% saga(s) changed meanwhile', expected - updated
            USING ERRCODE = 'serialization_failure';
        END IF;
        RETURN updated;
      END $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP FUNCTION saga_rows_changed(integer, integer)`);
  }
}
