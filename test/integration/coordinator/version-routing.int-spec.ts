// Routing new starts between the versions of a registered saga, on the real Kafka and Postgres:
// a ramp sends its share of the starts to the new version, chosen by the idempotency key; a
// new version that compensates far more often than the active one is rolled back on its own.
import { randomUUID } from 'node:crypto';
import { topicNames } from '#contracts';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import { startCoordinatorApp, type CoordinatorApp } from '../../support/coordinator-app.js';
import {
  createEnvironment,
  startKafkaParticipants,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import {
  oneStepDocument,
  shipmentDocument,
  shipmentInput,
  type Document,
} from '../../support/definition-documents.js';
import { readTopics } from '../../support/topic-reader.js';
import { waitFor } from '../../support/wait-for.js';

interface Route {
  active: number;
  ramp?: { version: number; percent: number };
  revision: number;
}

describe('version routing of registered definitions', () => {
  let environment: CoordinatorEnvironment;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>>;
  let app: CoordinatorApp;

  beforeAll(async () => {
    environment = await createEnvironment('it_version_routing');
    participants = await startKafkaParticipants(environment);
    app = await startCoordinatorApp(environment, createSampleSagaRegistry(), {
      RAMP_CHECK_MS: '200',
      RAMP_FALLBACK_MIN_SAGAS: '10',
      RAMP_FALLBACK_MARGIN: '0.2',
    });
  });

  afterAll(async () => {
    await app?.close();
    await participants?.stop();
    await environment?.dispose();
  });

  async function register(document: Document): Promise<void> {
    const { name, version } = document as { name: string; version: number };
    const response = await app.request('PUT', `/saga-definitions/${name}/versions/${version}`, {
      body: document,
    });
    expect(response.status).toBe(201);
  }

  async function route(name: string, body: unknown): Promise<Response> {
    return app.request('PUT', `/saga-definitions/${name}/routing`, { body });
  }

  async function start(
    sagaType: string,
    idempotencyKey: string,
    input: unknown,
    sagaVersion?: number,
  ): Promise<{ sagaId: string; created: boolean }> {
    const response = await app.request('POST', '/sagas', {
      body: { sagaType, idempotencyKey, input, ...(sagaVersion ? { sagaVersion } : {}) },
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { sagaId: string; created: boolean };
  }

  const versionsOf = async (sagaType: string) =>
    new Map(
      (
        await environment.db.query<{ version: number; count: string }>(
          `SELECT saga_version AS version, count(*) FROM sagas WHERE saga_type = $1 GROUP BY 1`,
          [sagaType],
        )
      ).map((row) => [row.version, Number(row.count)]),
    );

  it('keeps the first version active when a second is registered, and serves a pinned start', async () => {
    await register(oneStepDocument('pinned', 1, 'idle'));
    await register(oneStepDocument('pinned', 2, 'idle'));
    await start('pinned', randomUUID(), { n: 1 });
    await start('pinned', randomUUID(), { n: 2 }, 2);
    expect(await versionsOf('pinned')).toEqual(
      new Map([
        [1, 1],
        [2, 1],
      ]),
    );
  });

  it('retires a version only once no start goes to it and its sagas have ended', async () => {
    const retire = (version: number) =>
      app.request('POST', `/saga-definitions/retiring/versions/${version}/retire`, {
        body: { reason: 'superseded' },
      });
    await register(oneStepDocument('retiring', 1, 'idle'));
    await register(oneStepDocument('retiring', 2, 'idle'));
    // Version 1 is active; version 2 has a saga in flight (nobody serves "idle").
    await start('retiring', randomUUID(), { n: 2 }, 2);
    const active = await retire(1);
    expect(active.status).toBe(409);
    expect(((await active.json()) as { message: string }).message).toContain('active version');
    const inFlight = await retire(2);
    expect(inFlight.status).toBe(409);
    expect(((await inFlight.json()) as { message: string }).message).toContain(
      '1 saga(s) of version 2',
    );

    await register(oneStepDocument('retiring', 3, 'idle'));
    const retired = await retire(3);
    expect(retired.status).toBe(200);
    expect(await retired.json()).toMatchObject({ name: 'retiring', version: 3, retired: true });
    const pinned = await app.request('POST', '/sagas', {
      body: { sagaType: 'retiring', sagaVersion: 3, idempotencyKey: randomUUID(), input: { n: 3 } },
    });
    expect(pinned.status).toBe(400);
    expect(((await pinned.json()) as { message: string }).message).toContain('retired');
    const routed = await route('retiring', { active: 3, reason: 'no' });
    expect(routed.status).toBe(400);
    expect((await versionsOf('retiring')).get(3)).toBeUndefined();
  });

  it('sends 10% ± 2% of 2,000 starts to a version ramped at 10%, the same key always to the same one', async () => {
    await register(oneStepDocument('ramped', 1, 'idle'));
    await register(oneStepDocument('ramped', 2, 'idle'));
    const set = await route('ramped', {
      active: 1,
      ramp: { version: 2, percent: 10 },
      reason: 'try v2 on a tenth',
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as Route).ramp).toMatchObject({ version: 2, percent: 10 });

    const keys = Array.from({ length: 2_000 }, (_, i) => `ramp-${i}`);
    const sagaIds = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map(async (key) => {
          sagaIds.set(key, (await start('ramped', key, { n: 1 })).sagaId);
        }),
      );
    }
    const versions = await versionsOf('ramped');
    expect((versions.get(1) ?? 0) + (versions.get(2) ?? 0)).toBe(2_000);
    const share = (versions.get(2) ?? 0) / 2_000;
    expect(share).toBeGreaterThanOrEqual(0.08);
    expect(share).toBeLessThanOrEqual(0.12);

    // A retried start lands on its saga, of the version its key chose.
    for (const key of keys.slice(0, 100)) {
      const again = await start('ramped', key, { n: 1 });
      expect(again).toMatchObject({ sagaId: sagaIds.get(key), created: false });
    }
  });

  it('answers a retry with its saga after the route moved to a version that refuses its input', async () => {
    await register(oneStepDocument('evolving', 1, 'idle'));
    const v2 = oneStepDocument('evolving', 2, 'idle');
    v2['input'] = { type: 'object', required: ['m'], properties: { m: { type: 'string' } } };
    await register(v2);
    const first = await start('evolving', 'kept', { n: 1 });
    expect((await route('evolving', { active: 2, reason: 'v2' })).status).toBe(200);

    expect(await start('evolving', 'kept', { n: 1 })).toEqual({
      sagaId: first.sagaId,
      created: false,
      status: 'running',
    });
    const fresh = await app.request('POST', '/sagas', {
      body: { sagaType: 'evolving', idempotencyKey: 'new', input: { n: 1 } },
    });
    expect(fresh.status).toBe(400);
    const problem = (await fresh.json()) as { problems: { field: string }[] };
    expect(problem.problems.map((p) => p.field)).toContain('input.m');
  });

  it('keeps answering the retries of a retired version, and refuses a start pinned elsewhere', async () => {
    await register(shipmentDocument('aging', 1));
    await register(shipmentDocument('aging', 2));
    const old = await start('aging', 'old', shipmentInput('old'), 1);
    await waitForSagas(environment.db, [old.sagaId], ['completed']);
    const read = (await (await app.request('GET', '/saga-definitions/aging/routing')).json()) as {
      route: Route;
    };
    const stale = await route('aging', { active: 2, reason: 'v2', revision: 0 });
    expect(stale.status).toBe(409);
    expect(
      (await route('aging', { active: 2, reason: 'v2', revision: read.route.revision })).status,
    ).toBe(200);
    const retired = await app.request('POST', '/saga-definitions/aging/versions/1/retire', {
      body: { reason: 'v2 is out' },
    });
    expect(retired.status).toBe(200);

    expect(await start('aging', 'old', shipmentInput('old'), 1)).toEqual({
      sagaId: old.sagaId,
      created: false,
      status: 'completed',
    });
    const elsewhere = await app.request('POST', '/sagas', {
      body: {
        sagaType: 'aging',
        sagaVersion: 2,
        idempotencyKey: 'old',
        input: shipmentInput('old'),
      },
    });
    expect(elsewhere.status).toBe(409);
    const fresh = await app.request('POST', '/sagas', {
      body: {
        sagaType: 'aging',
        sagaVersion: 1,
        idempotencyKey: 'fresh',
        input: shipmentInput('f'),
      },
    });
    expect(fresh.status).toBe(400);
    expect(((await fresh.json()) as { problems: { field: string }[] }).problems).toEqual([
      { field: 'sagaVersion', message: 'saga type "aging" version 1 is retired' },
    ]);

    const listed = (await (await app.request('GET', '/saga-definitions')).json()) as {
      name: string;
      version: number;
      active: boolean;
      retired: boolean;
    }[];
    expect(
      listed
        .filter((d) => d.name === 'aging')
        .map(({ version, active, retired: isRetired }) => ({
          version,
          active,
          retired: isRetired,
        })),
    ).toEqual([
      { version: 1, active: false, retired: true },
      { version: 2, active: true, retired: false },
    ]);
    const badVersion = await app.request('GET', '/saga-definitions/aging/versions/two');
    expect(badVersion.status).toBe(400);
    expect(
      ((await badVersion.json()) as { problems: { field: string }[] }).problems[0]?.field,
    ).toBe('version');
  });

  it('refuses a route to a version that is not registered, naming the field', async () => {
    await register(oneStepDocument('typo', 1, 'idle'));
    const response = await route('typo', {
      active: 1,
      ramp: { version: 9, percent: 5 },
      reason: 'typo',
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { problems: { field: string }[] };
    expect(problem.problems.map((p) => p.field)).toEqual(['ramp.version']);
  });

  it('rolls back a ramp whose version compensates half its sagas, and says so', async () => {
    const v1 = shipmentDocument('fallible', 1);
    // Version 2 charges a thousand times the amount: the payment declines what passes 10,000.
    const v2 = shipmentDocument('fallible', 2);
    v2['steps'][1].payload = v2['steps'][1].payload.replace(
      '"amount": context.amount',
      '"amount": context.amount * 1000.0',
    );
    await register(v1);
    await register(v2);
    expect(
      (await route('fallible', { active: 1, ramp: { version: 2, percent: 50 }, reason: 'canary' }))
        .status,
    ).toBe(200);

    // Amounts 5 and 50: every saga of version 1 completes; of version 2, those of 50 compensate.
    for (let i = 0; i < 80; i += 1) {
      await start('fallible', `fallible-${i}`, shipmentInput(`o-${i}`, i % 2 === 0 ? 5 : 50));
    }
    const rolledBack = await waitFor('the ramp of version 2 to be rolled back', async () => {
      const view = (await (
        await app.request('GET', '/saga-definitions/fallible/routing')
      ).json()) as {
        route: Route;
        log: { action: string; actor: string; detail: string }[];
      };
      return view.route.ramp?.percent === 0 ? view : undefined;
    });
    expect(rolledBack.route).toMatchObject({ active: 1, ramp: { version: 2, percent: 0 } });
    const [entry] = rolledBack.log;
    expect(entry).toMatchObject({ action: 'ramp-rolled-back', actor: 'coordinator' });
    expect(entry!.detail).toMatch(/^version 2 compensated or got stuck in \d+ of \d+ sagas/);
    const event = await waitFor('the roll-back event on saga.events', async () =>
      (await readTopics([topicNames(environment.topicPrefix).events])).find(
        (record) => record.headers['saga-message-type'] === 'definition.event',
      ),
    );
    expect(event.key).toBe('fallible');
    expect(JSON.parse(event.value!)).toMatchObject({
      sagaType: 'fallible',
      version: 2,
      type: 'definition.ramp-rolled-back',
      detail: entry!.detail,
    });
    const metrics = await (await app.request('GET', '/metrics')).text();
    expect(metrics).toContain('saga_ramp_rollbacks_total{saga_type="fallible",version="2"} 1');

    // From now on every start without a version gets version 1.
    const before = (await versionsOf('fallible')).get(2) ?? 0;
    for (let i = 0; i < 20; i += 1) await start('fallible', `after-${i}`, shipmentInput(`a-${i}`));
    expect((await versionsOf('fallible')).get(2) ?? 0).toBe(before);
  });
});
