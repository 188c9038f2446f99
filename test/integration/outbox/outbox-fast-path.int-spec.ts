// The outbox on the real Postgres: the fast path publishes committed rows at once and marks
// them sent; what it could not publish stays unsent until the relay, after its grace period,
// publishes it (DESIGN.md, "Outbox relay").
import { DataSource } from 'typeorm';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { inTransaction } from '#postgres';
import { postgresDataSourceOptions } from '../../../apps/coordinator/src/persistence/data-source-options.js';
import {
  enqueueOutbox,
  type OutboxRow,
} from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { OutboxFastPath } from '../../../apps/coordinator/src/outbox/outbox-fast-path.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import { databaseUrl, uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

/** Records what it is asked to publish; refuses while `down`. */
class RecordingPublisher implements MessagePublisher {
  readonly published: OutgoingMessage[] = [];
  down = false;

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.down) throw new Error('broker unreachable');
    this.published.push(...messages);
  }
}

const row = (n: number): OutboxRow => ({
  sagaId: '00000000-0000-4000-8000-00000000000' + (n % 10),
  lane: n % 2,
  topic: 'saga.events',
  key: `k-${n}`,
  headers: { 'saga-message-id': `m-${n}` },
  payload: { n },
});

describe('the outbox fast path and its relay', () => {
  const schema = uniqueName('it_outbox');
  let dataSource: DataSource;
  const open = (_sagaId: string | null, payload: unknown) => payload;

  beforeAll(async () => {
    dataSource = new DataSource(postgresDataSourceOptions({ url: databaseUrl(), schema }));
    await dataSource.initialize();
    await dataSource.query(`CREATE SCHEMA ${schema}`);
    await dataSource.runMigrations({ transaction: 'all' });
  });
  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
    await dataSource.destroy();
  });

  const commit = (rows: OutboxRow[]) =>
    inTransaction(dataSource, (sql) => enqueueOutbox(sql, rows));
  const unsent = async (ids: string[]) =>
    (
      await dataSource.query<{ id: string }[]>(
        `SELECT id FROM outbox WHERE sent_at IS NULL AND id = ANY($1::bigint[])`,
        [ids],
      )
    ).map((r) => String(r.id));

  it('publishes committed rows at once, in commit order, and marks them sent', async () => {
    const publisher = new RecordingPublisher();
    const fastPath = new OutboxFastPath(dataSource, publisher, open);
    const first = [row(1), row(2)];
    const second = [row(3)];
    const firstIds = await commit(first);
    const secondIds = await commit(second);
    fastPath.publish(firstIds, first);
    fastPath.publish(secondIds, second);
    await fastPath.stop();
    expect(publisher.published.map((m) => m.key)).toEqual(['k-1', 'k-2', 'k-3']);
    expect(JSON.parse(publisher.published[0]!.value!)).toEqual({ n: 1 });
    expect(await unsent([...firstIds, ...secondIds])).toEqual([]);
  });

  it('leaves what it could not publish to the relay, which takes it only after the grace period', async () => {
    const broken = new RecordingPublisher();
    broken.down = true;
    const fastPath = new OutboxFastPath(dataSource, broken, open);
    const rows = [row(4), row(5)];
    const ids = await commit(rows);
    fastPath.publish(ids, rows);
    await fastPath.stop();
    expect(await unsent(ids)).toEqual(ids);

    const publisher = new RecordingPublisher();
    const patient = new OutboxRelay(dataSource, publisher, { lanes: 2, graceMs: 60_000 });
    expect(await patient.drainOnce()).toBe(0);
    const relay = new OutboxRelay(dataSource, publisher, { lanes: 2, graceMs: 200 });
    await waitFor('the rows to outlive the grace period', async () =>
      (await relay.drainOnce()) > 0 ? true : undefined,
    );
    expect(publisher.published.map((m) => m.key).sort()).toEqual(['k-4', 'k-5']);
    expect(await unsent(ids)).toEqual([]);
  });
});
