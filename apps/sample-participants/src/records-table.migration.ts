import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A sample service's business records (business-records.ts), in its own schema. */
export class RecordsTable1765000000000 implements MigrationInterface {
  name = 'RecordsTable1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE records (
        kind text NOT NULL,
        id text NOT NULL,
        doc jsonb NOT NULL,
        PRIMARY KEY (kind, id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE records`);
  }
}
