import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saga definitions registered over the API, and how new starts are routed between versions.
 * `saga_definitions` holds each (name, version) once, immutable, numbered by `seq` in the
 * order of registration (every instance reads on from the last `seq` it has seen);
 * `saga_routes` holds, per saga type, the active version and a ramping one with its share of
 * new starts (`revision` grows with each change, and a change names the revision it replaces,
 * so two instances never both roll the same ramp back); `saga_definition_log` is the
 * append-only audit of registrations and route changes. New tables only: safe with sagas in
 * flight.
 */
export class RegisteredDefinitions1765100000000 implements MigrationInterface {
  name = 'RegisteredDefinitions1765100000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE saga_definitions (
        seq bigserial PRIMARY KEY,
        name text NOT NULL,
        version integer NOT NULL,
        document jsonb NOT NULL,
        registered_by text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (name, version)
      )`);
    await runner.query(`
      CREATE TABLE saga_routes (
        name text PRIMARY KEY,
        active_version integer NOT NULL,
        ramp_version integer,
        ramp_percent numeric(5, 2) NOT NULL DEFAULT 0
          CHECK (ramp_percent >= 0 AND ramp_percent <= 100),
        ramp_since timestamptz,
        revision bigint NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE saga_definition_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        name text NOT NULL,
        version integer,
        action text NOT NULL,
        actor text NOT NULL,
        detail text NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX saga_definition_log_name_idx ON saga_definition_log (name, id)`,
    );
    await runner.query(`
      CREATE FUNCTION saga_definitions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$`);
    for (const table of ['saga_definitions', 'saga_definition_log']) {
      await runner.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION saga_definitions_refuse_change()`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE saga_definition_log`);
    await runner.query(`DROP TABLE saga_routes`);
    await runner.query(`DROP TABLE saga_definitions`);
    await runner.query(`DROP FUNCTION saga_definitions_refuse_change()`);
  }
}
