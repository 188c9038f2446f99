import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The index of dead letters (messages moved to a `<topic>.dlq` topic), for operators to list
 * and replay. A dead letter is identified by its dead-letter topic and the original partition
 * and offset its headers name: a redelivered dead letter, or one message dead-lettered twice
 * (a crash before its offset was committed), is recorded once. Values are bounded in size.
 */
export class DeadLetters1764633600000 implements MigrationInterface {
  name = 'DeadLetters1764633600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE dead_letters (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        original_topic text NOT NULL,
        original_partition integer,
        original_offset bigint,
        message_key text,
        headers jsonb NOT NULL,
        value text,
        value_truncated boolean NOT NULL DEFAULT false,
        value_redacted boolean NOT NULL DEFAULT false,
        value_sealed boolean NOT NULL DEFAULT false,
        reason text NOT NULL,
        failed_at timestamptz,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz,
        replayed_by text,
        replay_count integer NOT NULL DEFAULT 0,
        CONSTRAINT dead_letters_origin_unique UNIQUE (topic, original_partition, original_offset)
      )`);
    // Bulk replay and the "not replayed" filter look for rows without a replay, by original topic.
    await runner.query(
      `CREATE INDEX dead_letters_pending_idx ON dead_letters (original_topic, id) WHERE replayed_at IS NULL`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE dead_letters`);
  }
}
