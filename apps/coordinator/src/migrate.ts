// The migrate command: `node dist/apps/coordinator/src/migrate.js` (or `npm run migrate`), run
// as a job before a rollout whose instances start with RUN_MIGRATIONS=false. Exit codes: 0 the
// schema is current, 1 it could not be migrated, 2 the configuration is wrong.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { describeError } from '#errors';
import { createSchemaIfMissing, retryWhileUnavailable } from '#postgres';
import {
  loadMigrationConfig,
  MigrationConfigError,
  type MigrationConfig,
} from './config/database-config.js';
import { postgresMigrationSource } from './persistence/coordinator-database.js';
import { migrateSchema } from './persistence/schema-migrations.js';

/** One line on stderr, as the coordinator's start-up phases write them. */
const say = (line: string) => void process.stderr.write(`migrate: ${line}\n`);

async function migrate(config: MigrationConfig): Promise<void> {
  const onRetry = (error: unknown) =>
    say(`database unavailable, trying again: ${describeError(error)}`);
  // The session that holds the migration lock migrates: one connection, new for each try.
  const migrations = postgresMigrationSource(config, (error) =>
    say(`an idle database connection failed: ${error.message}`),
  );
  const connectUntil = Date.now() + config.connectMs;
  await retryWhileUnavailable(
    async () => {
      await migrations((dataSource) => createSchemaIfMissing(dataSource, config.databaseSchema));
    },
    { until: connectUntil, onRetry },
  );
  const until = Date.now() + config.migrationsMs;
  const applied = await retryWhileUnavailable(
    () =>
      migrations((dataSource) =>
        migrateSchema(dataSource, {
          until,
          onWait: () => say('another process is migrating this schema; waiting for it'),
        }),
      ),
    { until, onRetry },
  );
  say(
    applied.length === 0
      ? `schema "${config.databaseSchema}" is current; nothing to apply`
      : `applied ${applied.length} migration(s) to schema "${config.databaseSchema}": ${applied.map((m) => m.name).join(', ')}`,
  );
}

function main(): void {
  // A job stopped mid-way: the migration's transaction rolls back with its connection.
  process.once('SIGTERM', () => {
    say('SIGTERM: stopping; nothing is applied that had not committed');
    process.exit(143);
  });
  let config: MigrationConfig;
  try {
    config = loadMigrationConfig(process.env, (path) => readFileSync(path, 'utf8'));
  } catch (error) {
    if (!(error instanceof MigrationConfigError)) throw error;
    say(error.message);
    process.exit(2);
  }
  migrate(config).then(
    () => process.exit(0),
    (error: unknown) => {
      say(`FAILED: ${describeError(error)}`);
      process.exit(1);
    },
  );
}

main();
