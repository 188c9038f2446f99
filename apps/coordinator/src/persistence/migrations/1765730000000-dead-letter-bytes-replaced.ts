import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dead letter whose key, value or a header held bytes that are not valid UTF-8 is stored with
 * U+FFFD in their place, and `bytes_replaced` says so: replayed, it would send other bytes than
 * the original, which its consumer refused for that very reason, so it is not replayable.
 * A column with a constant default: no rewrite of the table.
 */
export class DeadLetterBytesReplaced1765730000000 implements MigrationInterface {
  name = 'DeadLetterBytesReplaced1765730000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE dead_letters ADD COLUMN bytes_replaced boolean NOT NULL DEFAULT false`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE dead_letters DROP COLUMN bytes_replaced`);
  }
}
