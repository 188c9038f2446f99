// Route changes and retirements of a saga type on the real Postgres (PostgresDefinitionStore):
// a route change may not send starts to a version retired before it commits, whether the type
// has a route row to lock or none (a type defined in code), even when the caller read the
// route's revision after the retirement.
import { PostgresDefinitionStore } from '../../../apps/coordinator/src/definitions/definition-store.postgres.js';
import type { PoolDatabase } from '#postgres';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';

describe('route changes and retired versions', () => {
  const schema = uniqueName('it_definition_routes');
  let database: PoolDatabase;
  let store: PostgresDefinitionStore;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
    store = new PostgresDefinitionStore(database);
  });
  afterAll(async () => {
    await dropMigratedSchema(database, schema);
  });

  const change = (name: string, active: number, replaces: number, ramp?: number) =>
    store.changeRoute({
      route: {
        name,
        active,
        ...(ramp === undefined ? {} : { ramp: { version: ramp, percent: 10 } }),
      },
      replaces,
      action: 'activated',
      actor: 'test',
      detail: '',
    });

  it('refuses to route starts to a version retired meanwhile, read the revision after it or not', async () => {
    expect(await store.register('parcel', 1, { v: 1 }, 'test', 1)).toBe('created');
    expect(await store.register('parcel', 2, { v: 2 }, 'test', 1)).toBe('created');
    expect(await change('parcel', 2, 1)).toEqual([]);
    expect(await store.retire('parcel', 1, 'test', 'gone')).toBe('retired');

    // An operator's rollback checked against a snapshot from before the retirement.
    const revision = (await store.route('parcel'))!.revision;
    expect(await change('parcel', 1, revision)).toBe('retired');
    expect(await change('parcel', 2, revision, 1)).toBe('retired');
    expect((await store.route('parcel'))!.active).toBe(2);
    // A route that serves no retired version goes.
    expect(await change('parcel', 2, revision)).toEqual([]);
  });

  it('refuses it for a type with no route row (defined in code) too', async () => {
    expect(await store.retire('courier', 1, 'test', 'gone')).toBe('retired');
    expect(await change('courier', 1, 0)).toBe('retired');
    expect(await store.route('courier')).toBeUndefined();
    expect(await change('courier', 2, 0)).toEqual([]);
  });
});
