// Dead letters by id on the real Postgres, past the ids of one digit: the API's pages newest
// first and a bulk replay oldest first, each in the ids' order, none left out. Their rows carry
// the id as text, which an `ORDER BY id` sorted as text (`10` before `9`): pages skipped the
// newest, and a replay resumed after one of them skipped the ones below it.
import type { Database } from '#postgres';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { deadLetterIndexer } from '../../../apps/coordinator/src/dead-letters/index.js';
import { DeadLetterQueries } from '../../../apps/coordinator/src/dead-letters/dead-letter-queries.js';
import { DeadLetterReplayer } from '../../../apps/coordinator/src/dead-letters/dead-letter-replayer.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { replyDeadLetter as deadLetter } from '../../support/dead-letter-records.js';
import { uniqueName } from '../../support/services.js';

describe('dead letters in the order of their ids', () => {
  const schema = uniqueName('it_dlq_order');
  let database: Database;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
    // Twelve, recorded one at a time: ids 1 to 12.
    for (let offset = 1; offset <= 12; offset++) {
      await deadLetterIndexer(database)([deadLetter(offset)]);
    }
  });

  afterAll(async () => {
    if (database !== undefined) await dropMigratedSchema(database, schema);
  });

  it('pages them newest first, every one once', async () => {
    const queries = new DeadLetterQueries(database);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await queries.list({ limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(['12', '11', '10', '9', '8', '7', '6', '5', '4', '3', '2', '1']);
  });

  it('replays them oldest first, and a call given resumeAfter goes on from there', async () => {
    const published: OutgoingMessage[] = [];
    const publisher: MessagePublisher = {
      publish: async (messages) => void published.push(...messages),
    };
    const replayer = new DeadLetterReplayer(database, publisher, { chunkSize: 5, maxPerCall: 9 });
    const first = await replayer.replayPending('ops');
    expect(first).toEqual({
      replayed: ['1', '2', '3', '4', '5', '6', '7', '8', '9'],
      more: true,
      unopenable: [],
      resumeAfter: '9',
    });
    expect(await replayer.replayPending('ops', undefined, first.resumeAfter!)).toEqual({
      replayed: ['10', '11', '12'],
      more: false,
      unopenable: [],
      resumeAfter: null,
    });
    expect(published.map((message) => message.key)).toEqual(
      Array.from({ length: 12 }, (_, i) => `saga-${i + 1}`),
    );
  });
});
