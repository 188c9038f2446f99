import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `saga_retired_versions`: the versions no new saga may start with (their sagas that started
 * before end on them). A new table only: safe with sagas in flight. IF NOT EXISTS: a database
 * migrated by a build of the day this table was briefly part of RegisteredDefinitions has it.
 */
export class RetiredVersions1765100000001 implements MigrationInterface {
  name = 'RetiredVersions1765100000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS saga_retired_versions (
        name text NOT NULL,
        version integer NOT NULL,
        retired_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, version)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE saga_retired_versions`);
  }
}
