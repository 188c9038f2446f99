// A rolling update as Kubernetes runs one (docs/DEPLOYMENT.md): the migrate job first, then three
// instances started with RUN_MIGRATIONS=false under load, each stopped with SIGTERM and replaced
// in turn, on the real broker and Postgres. A stop drains (the consumers finish their batch,
// commit and leave their groups; the outbox rows in hand are published and removed), so every
// saga ends as its input says, no effect is applied twice and no command is delivered twice.
import { topicNames } from '#contracts';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { duplicateReport, readCommandLog } from '../support/command-log.js';
import { waitForGroupsToCatchUp } from '../support/consumer-groups.js';
import { launchCoordinator, type CoordinatorProcess } from '../support/coordinator-processes.js';
import { LoadGate } from '../support/load-gate.js';
import {
  startObservedParticipants,
  type ObservedParticipants,
} from '../support/observed-participants.js';
import {
  appliedEffects,
  effectsAgainstOutcomes,
  effectsAppliedTwice,
  repliesAppliedTwice,
  wrongEnds,
} from '../support/order-invariants.js';
import { orderPlans, sagaProgress, startSagas, statusSummary } from '../support/saga-load.js';
import { startService } from '../support/service-process.js';
import { waitFor } from '../support/wait-for.js';

const PARTICIPANTS = ['inventory', 'notification', 'payment', 'shipping'];
const INSTANCES = 3;
/** The pods' terminationGracePeriodSeconds in deploy/kubernetes: a stop must end within it. */
const GRACE_PERIOD_MS = 60_000;

describe('a rolling restart of three coordinator instances under load', () => {
  let environment: CoordinatorEnvironment;
  let participants: ObservedParticipants;
  const instances: CoordinatorProcess[] = [];

  beforeAll(async () => {
    environment = await createEnvironment('e2e_rolling');
    participants = await startObservedParticipants(environment);
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.service.stop('SIGKILL')));
    await participants?.stop();
    await environment?.dispose();
  });

  it('ends every saga, applies no effect twice and delivers no command twice', async () => {
    const { db, schema, topicPrefix } = environment;
    // Timers stretched 20 times: no reply timeout fires while groups rebalance, so each command
    // has one attempt and a second copy could only be a duplicate.
    const env = { ...environment.env, TIME_SCALE: '20', RUN_MIGRATIONS: 'false' };
    const migrate = startService('dist/apps/coordinator/src/migrate.js', env);
    expect(await migrate.exited).toBe(0);

    const slots: CoordinatorProcess[] = [];
    const launch = (slot: number) => {
      slots[slot] = launchCoordinator(env);
      instances.push(slots[slot]);
    };
    for (let slot = 0; slot < INSTANCES; slot++) launch(slot);
    await Promise.all(slots.map((instance) => instance.url));

    const sagas = 450;
    const share = sagas / (INSTANCES + 1);
    const gate = new LoadGate(share);
    const stopping = new Set<number>();
    let turn = 0;
    // Each start goes to the next instance not being stopped (a load balancer's endpoints).
    const urlOf = async (index: number) => {
      await gate.wait(index);
      const open = slots.map((_, slot) => slot).filter((slot) => !stopping.has(slot));
      return slots[open[turn++ % open.length]!]!.url;
    };
    const loading = startSagas(orderPlans(schema, sagas), urlOf, {
      concurrency: 6,
      timeoutMs: 150_000,
    });
    loading.catch(() => undefined); // awaited below

    const drains: number[] = [];
    for (let slot = 0; slot < INSTANCES; slot++) {
      const before = await sagaProgress(db);
      // Counts sure to be reached (the gate lets `share` more sagas through), load still to come.
      await waitFor(
        `the instances to create ${gate.limit - 20} sagas and apply 50 more replies`,
        async () => {
          const now = await sagaProgress(db);
          return now.total >= gate.limit - 20 && now.appliedReplies >= before.appliedReplies + 50;
        },
        { timeoutMs: 90_000, intervalMs: 20 },
      );
      stopping.add(slot);
      const stoppedAt = Date.now();
      expect(await slots[slot]!.service.stop('SIGTERM')).toBe(0);
      drains.push(Date.now() - stoppedAt);
      launch(slot);
      await slots[slot]!.url;
      stopping.delete(slot);
      gate.release(gate.limit + share);
    }
    const started = await loading;
    const ids = started.map((saga) => saga.sagaId);
    const ended = await waitForSagas(db, ids, ['completed', 'compensated'], 90_000).catch(
      async (error: Error) => {
        throw new Error(`${error.message}: ${await statusSummary(db)}`);
      },
    );
    await waitFor(
      'the outbox to be drained',
      async () => (await sagaProgress(db)).unsentOutbox === 0,
    );
    const topics = topicNames(topicPrefix);
    await waitForGroupsToCatchUp(
      PARTICIPANTS.map((participant) => ({
        groupId: `${topicPrefix}${participant}.participant`,
        topic: topics.commands(participant),
      })),
    );

    expect(drains.every((ms) => ms < GRACE_PERIOD_MS)).toBe(true);
    expect(new Set(ids).size).toBe(sagas);
    expect(await wrongEnds(db, started)).toEqual([]);
    const effects = appliedEffects(participants.ledgers);
    expect(effectsAppliedTwice(effects)).toEqual([]);
    expect(effectsAgainstOutcomes(ended, effects)).toEqual([]);
    expect(await repliesAppliedTwice(db)).toEqual([]);
    const commands = await readCommandLog(
      PARTICIPANTS.map((participant) => topics.commands(participant)),
    );
    const report = duplicateReport(commands, []);
    expect(report.headerMismatches).toEqual([]);
    expect(report.overTheWindow).toEqual([]); // with no crash, the window holds one copy

    console.log(
      [
        `${sagas} sagas over ${INSTANCES} instances, each stopped with SIGTERM and replaced under load`,
        `drains took ${drains.join(' / ')} ms (grace period ${GRACE_PERIOD_MS} ms)`,
        `${commands.length} commands delivered, ${report.extraCopies} extra copies; ` +
          `${started.filter((saga) => saga.requests > 1).length} starts sent again to another instance`,
      ].join('\n'),
    );
  }, 300_000);
});
