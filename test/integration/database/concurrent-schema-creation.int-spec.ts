// Processes that start together on a schema not made yet each create it (instances with
// RUN_MIGRATIONS=true, a migrate job retried while its first pod runs): every one goes on,
// whichever made it. The test plays the one that wins, holding its CREATE SCHEMA uncommitted
// until the others wait on it, so they all meet the race the server settles with 23505.
import { describeError } from '#errors';
import { PoolDatabase, quoteIdentifier } from '#postgres';
import pg from 'pg';
import { createSchemaIfMissing } from '#postgres';
import { databaseUrl, uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

describe('creating a new schema from several processes at once', () => {
  const schema = uniqueName('it_schema_race');
  const creatorsName = uniqueName('it_schema_creators');
  const creators = 3;
  let database: PoolDatabase;
  let rival: pg.Client;
  // Another session looks: inside the rival's transaction pg_stat_activity stays a snapshot.
  let watcher: pg.Client;

  beforeAll(async () => {
    database = PoolDatabase.connect({
      url: databaseUrl(),
      poolSize: creators,
      applicationName: creatorsName,
    });
    rival = new pg.Client({ connectionString: databaseUrl() });
    await rival.connect();
    watcher = new pg.Client({ connectionString: databaseUrl() });
    await watcher.connect();
  });

  afterAll(async () => {
    await rival.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)}`);
    await rival.end();
    await watcher.end();
    await database.close();
  });

  it('succeeds in every one of them, whichever made it', async () => {
    await rival.query('BEGIN');
    await rival.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    const creating = Promise.allSettled(
      Array.from({ length: creators }, () => createSchemaIfMissing(database, schema)),
    );
    await waitFor(`${creators} creators to wait for the rival's schema`, async () => {
      const [row] = (
        await watcher.query<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [creatorsName],
        )
      ).rows;
      return row?.waiting === creators;
    });
    await rival.query('COMMIT');

    const outcomes = (await creating).map((outcome) =>
      outcome.status === 'fulfilled' ? 'went on' : describeError(outcome.reason),
    );
    expect(outcomes).toEqual(Array.from({ length: creators }, () => 'went on'));
  });
});
