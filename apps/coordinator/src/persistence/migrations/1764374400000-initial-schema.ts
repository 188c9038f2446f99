import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The coordinator's durable state (../shared/DESIGN.md, "Durable execution"): one row per saga
 * holding the engine's state as JSON, a row per step for queries, the append-only audit log,
 * the outbox of messages to publish, the inbox of applied message ids, and the timers.
 * Ids come from the application (PGlite has no uuid extensions). Times are the database's:
 * every instance reads due times against the same clock.
 */
export class InitialSchema1764374400000 implements MigrationInterface {
  name = 'InitialSchema1764374400000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE sagas (
        id uuid PRIMARY KEY,
        saga_type text NOT NULL,
        saga_version integer NOT NULL,
        status text NOT NULL,
        idempotency_key text NOT NULL,
        state jsonb NOT NULL,
        row_version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sagas_idempotency_key_unique UNIQUE (saga_type, idempotency_key)
      )`);
    // The list pages newest first on (created_at, id), optionally filtered by status or type;
    // (status, updated_at) finds sagas that made no progress for a while.
    await runner.query(`CREATE INDEX sagas_created_idx ON sagas (created_at, id)`);
    await runner.query(`CREATE INDEX sagas_status_created_idx ON sagas (status, created_at, id)`);
    await runner.query(`CREATE INDEX sagas_type_created_idx ON sagas (saga_type, created_at, id)`);
    await runner.query(`CREATE INDEX sagas_status_updated_idx ON sagas (status, updated_at)`);

    await runner.query(`
      CREATE TABLE saga_steps (
        saga_id uuid NOT NULL REFERENCES sagas (id) ON DELETE CASCADE,
        step_id text NOT NULL,
        status text NOT NULL,
        attempt integer NOT NULL DEFAULT 0,
        last_outcome jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (saga_id, step_id)
      )`);

    await runner.query(`
      CREATE TABLE saga_audit (
        id bigserial PRIMARY KEY,
        saga_id uuid NOT NULL,
        at timestamptz NOT NULL,
        event_type text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        step_id text,
        attempt integer,
        actor text,
        applied boolean NOT NULL,
        detail text NOT NULL
      )`);
    await runner.query(`CREATE INDEX saga_audit_saga_idx ON saga_audit (saga_id, id)`);
    // Append-only: the audit log can be added to, never rewritten.
    await runner.query(`
      CREATE FUNCTION saga_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'saga_audit is append-only'; END $$`);
    await runner.query(`
      CREATE TRIGGER saga_audit_append_only BEFORE UPDATE OR DELETE ON saga_audit
      FOR EACH ROW EXECUTE FUNCTION saga_audit_refuse_change()`);

    await runner.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        saga_id uuid NOT NULL,
        lane smallint NOT NULL,
        topic text NOT NULL,
        message_key text NOT NULL,
        headers jsonb NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    // The relay drains one lane at a time (a saga always maps to the same lane): order per saga.
    await runner.query(`CREATE INDEX outbox_unsent_idx ON outbox (lane, id) WHERE sent_at IS NULL`);
    await runner.query(
      `CREATE INDEX outbox_sent_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL`,
    );

    await runner.query(`
      CREATE TABLE inbox (
        message_id text PRIMARY KEY,
        saga_id text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX inbox_received_idx ON inbox (received_at)`);

    await runner.query(`
      CREATE TABLE timers (
        id text PRIMARY KEY,
        saga_id uuid NOT NULL REFERENCES sagas (id) ON DELETE CASCADE,
        due_at timestamptz NOT NULL,
        wakeup jsonb NOT NULL
      )`);
    await runner.query(`CREATE INDEX timers_due_idx ON timers (due_at)`);
    await runner.query(`CREATE INDEX timers_saga_idx ON timers (saga_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE timers`);
    await runner.query(`DROP TABLE inbox`);
    await runner.query(`DROP TABLE outbox`);
    await runner.query(`DROP TRIGGER saga_audit_append_only ON saga_audit`);
    await runner.query(`DROP FUNCTION saga_audit_refuse_change()`);
    await runner.query(`DROP TABLE saga_audit`);
    await runner.query(`DROP TABLE saga_steps`);
    await runner.query(`DROP TABLE sagas`);
  }
}
