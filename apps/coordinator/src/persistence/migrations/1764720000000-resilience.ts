import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Circuit breakers and back-pressure: each step row names its participant (commands in flight
 * are counted per participant); commands that may not be sent yet wait in `held_commands` with
 * their reply timeout unarmed; breaker state changes go to an append-only log, and their events
 * through the outbox, which therefore also carries rows that belong to no saga.
 */
export class Resilience1764720000000 implements MigrationInterface {
  name = 'Resilience1764720000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE saga_steps ADD COLUMN participant text`);
    await runner.query(
      `CREATE INDEX saga_steps_in_flight_idx ON saga_steps (participant)
       WHERE status IN ('running', 'compensating')`,
    );
    await runner.query(`
      CREATE TABLE held_commands (
        id bigserial PRIMARY KEY,
        participant text NOT NULL,
        saga_id uuid NOT NULL REFERENCES sagas (id) ON DELETE CASCADE,
        step_id text NOT NULL,
        action text NOT NULL,
        attempt integer NOT NULL,
        lane smallint NOT NULL,
        topic text NOT NULL,
        message_key text NOT NULL,
        headers jsonb NOT NULL,
        payload jsonb NOT NULL,
        reply_timer jsonb,
        held_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(
      `CREATE INDEX held_commands_participant_idx ON held_commands (participant, id)`,
    );
    await runner.query(`
      CREATE TABLE participant_breaker_log (
        id bigserial PRIMARY KEY,
        participant text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        from_state text NOT NULL,
        to_state text NOT NULL,
        instance text NOT NULL,
        detail text NOT NULL
      )`);
    await runner.query(
      `CREATE INDEX participant_breaker_log_idx ON participant_breaker_log (participant, id)`,
    );
    await runner.query(`
      CREATE FUNCTION participant_breaker_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'participant_breaker_log is append-only'; END $$`);
    await runner.query(`
      CREATE TRIGGER participant_breaker_log_append_only BEFORE UPDATE OR DELETE ON participant_breaker_log
      FOR EACH ROW EXECUTE FUNCTION participant_breaker_log_refuse_change()`);
    await runner.query(`ALTER TABLE outbox ALTER COLUMN saga_id DROP NOT NULL`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DELETE FROM outbox WHERE saga_id IS NULL`);
    await runner.query(`ALTER TABLE outbox ALTER COLUMN saga_id SET NOT NULL`);
    await runner.query(
      `DROP TRIGGER participant_breaker_log_append_only ON participant_breaker_log`,
    );
    await runner.query(`DROP FUNCTION participant_breaker_log_refuse_change()`);
    await runner.query(`DROP TABLE participant_breaker_log`);
    await runner.query(`DROP TABLE held_commands`);
    await runner.query(`DROP INDEX saga_steps_in_flight_idx`);
    await runner.query(`ALTER TABLE saga_steps DROP COLUMN participant`);
  }
}
