import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `held_commands` gets an index on `saga_id`: retention deleting a saga deletes its held
 * commands by cascade (the foreign key's trigger runs one `DELETE ... WHERE saga_id = $1` per
 * saga deleted), and an operator's decision reads the reply timers held with its sagas' commands
 * (heldReplyTimerIds) by saga; each read the whole table, a retention batch once per saga. It
 * costs an index entry per command held, which past saturation is most commands
 * (docs/BENCHMARKS.md): a small part of a held row's cost (its payload, its release).
 *
 * With sagas in flight: a plain CREATE INDEX (the migrations run in one transaction, which
 * CONCURRENTLY cannot), so no command is held or released while it reads the table, which holds
 * only commands waiting for a breaker or a cap (bounded by the sagas in flight) and those of
 * stuck sagas: read in a moment. The previous release runs the same statements, faster.
 */
export class HeldCommandsSagaIndex1765700000000 implements MigrationInterface {
  name = 'HeldCommandsSagaIndex1765700000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`CREATE INDEX held_commands_saga_idx ON held_commands (saga_id)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX held_commands_saga_idx`);
  }
}
