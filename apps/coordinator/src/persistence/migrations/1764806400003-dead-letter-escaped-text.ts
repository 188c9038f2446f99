import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dead letter may hold text Postgres cannot store (U+0000 from raw 0x00 bytes, lone
 * surrogates): its texts are then stored escaped, and `text_escaped` says so, so that the API
 * and a replay give them back exactly (see dead-letters/dead-letter-text.ts).
 */
export class DeadLetterEscapedText1764806400003 implements MigrationInterface {
  name = 'DeadLetterEscapedText1764806400003';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE dead_letters ADD COLUMN text_escaped boolean NOT NULL DEFAULT false`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE dead_letters DROP COLUMN text_escaped`);
  }
}
