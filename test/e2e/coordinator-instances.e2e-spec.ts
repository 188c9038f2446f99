// Two coordinator processes at once on the same database, topics and consumer groups
// (../../../shared/DESIGN.md, "Durable execution": several instances side by side): they share
// the starts, the replies and the outbox, every saga ends, and nothing is done twice, also
// when one of them is killed and the other takes its partitions and its outbox lanes over.
import { topicNames } from '#contracts';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { duplicateReport, readCommandLog } from '../support/command-log.js';
import {
  describeGroup,
  partitionEnds,
  waitForGroupsToCatchUp,
  type GroupMember,
} from '../support/consumer-groups.js';
import {
  killHard,
  launchCoordinator,
  type CoordinatorProcess,
} from '../support/coordinator-processes.js';
import {
  startObservedParticipants,
  type ObservedParticipants,
} from '../support/observed-participants.js';
import {
  appliedEffects,
  effectsAgainstOutcomes,
  effectsAppliedTwice,
  repliesAppliedTwice,
} from '../support/order-invariants.js';
import {
  orderPlans,
  sagaProgress,
  startSagas,
  statusSummary,
  type StartedSaga,
} from '../support/saga-load.js';
import { LoadGate } from '../support/load-gate.js';
import { waitFor } from '../support/wait-for.js';

const PARTICIPANTS = ['inventory', 'notification', 'payment', 'shipping'];

describe('two coordinator processes on the same database and topics', () => {
  let environment: CoordinatorEnvironment | undefined;
  let participants: ObservedParticipants | undefined;
  let instances: CoordinatorProcess[] = [];

  beforeEach(async () => {
    environment = await createEnvironment('e2e_instances');
    participants = await startObservedParticipants(environment);
  });

  afterEach(async () => {
    await Promise.all(instances.map((instance) => instance.service.stop('SIGKILL')));
    instances = [];
    await participants?.stop();
    await environment?.dispose();
  });

  const topics = () => topicNames(environment!.topicPrefix);
  const replyGroup = () => `saga-coordinator.${topics().replies}`;
  const repliesHeld = (members: readonly GroupMember[]) =>
    Object.fromEntries(
      members.map((m) => [m.clientId, [...(m.partitions[topics().replies] ?? [])].sort()]),
    );

  /** Starts instances a and b (client ids `coordinator-a`/`-b`); resolves once both hold reply partitions. */
  async function startTwo(env: Record<string, string>) {
    instances.push(launchCoordinator({ ...env, KAFKA_CLIENT_ID: 'coordinator-a' }));
    await instances[0]!.url;
    instances.push(launchCoordinator({ ...env, KAFKA_CLIENT_ID: 'coordinator-b' }));
    const [a, b] = await Promise.all(instances.map((instance) => instance.url));
    // 3 partitions of saga.replies, 2 members: each must hold some before any saga starts.
    const group = await waitFor('both instances to hold partitions of saga.replies', async () => {
      const described = await describeGroup(replyGroup());
      const holders = described.members.filter(
        (m) => (m.partitions[topics().replies] ?? []).length > 0,
      );
      return described.state === 'Stable' && holders.length === 2 ? described : undefined;
    });
    return { a: a!, b: b!, held: repliesHeld(group.members) };
  }

  /** Waits until every saga ended, the outbox is drained and every group read everything. */
  async function settle(started: readonly StartedSaga[], timeoutMs: number) {
    const { db, topicPrefix } = environment!;
    const ended = await waitForSagas(
      db,
      started.map((saga) => saga.sagaId),
      ['completed', 'compensated'],
      timeoutMs,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await statusSummary(db)}`);
    });
    await waitFor('the outbox to be drained', async () => {
      return (await sagaProgress(db)).unsentOutbox === 0;
    });
    await waitForGroupsToCatchUp([
      ...PARTICIPANTS.map((participant) => ({
        groupId: `${topicPrefix}${participant}.participant`,
        topic: topics().commands(participant),
      })),
      { groupId: replyGroup(), topic: topics().replies },
    ]);
    return ended;
  }

  /** The checks of "nothing done twice" and "each saga ended as its input says". */
  async function expectEachSagaEndedOnce(
    started: readonly StartedSaga[],
    ended: readonly { id: string; status: string }[],
  ) {
    const { db } = environment!;
    expect(new Set(started.map((saga) => saga.sagaId)).size).toBe(started.length);
    expect((await sagaProgress(db)).total).toBe(started.length);
    const statusOf = new Map(ended.map((row) => [row.id, row.status]));
    const wrong = started.filter((s) => statusOf.get(s.sagaId) !== s.plan.expected);
    expect(wrong.map((s) => `${s.plan.idempotencyKey}: ${statusOf.get(s.sagaId)}`)).toEqual([]);
    const effects = appliedEffects(participants!.ledgers);
    expect(effectsAppliedTwice(effects)).toEqual([]);
    expect(effectsAgainstOutcomes(ended, effects)).toEqual([]);
    expect(await repliesAppliedTwice(db)).toEqual([]);
  }

  it('share the starts, the replies and the outbox; every saga ends, and no step, reply or command is taken twice', async () => {
    const sagas = 200;
    const raced = 30; // keys started on both instances at the same moment
    // Timers stretched so that a slow moment on a busy machine fires no reply timeout: each
    // saga must then end as its input says, with one attempt per command.
    const { a, b, held } = await startTwo({ ...environment!.env, TIME_SCALE: '20' });

    // Half the sagas through each instance; the first `raced` also through the other one,
    // at once, with the same idempotency key.
    const plans = orderPlans(environment!.schema, sagas);
    const requests = plans.flatMap((plan, i) => (i < raced ? [plan, plan] : [plan]));
    const toA = requests.map((_, i) => (i < 2 * raced ? i : i - raced) % 2 === 0);
    const answers = await startSagas(requests, async (i) => (toA[i] ? a : b), { concurrency: 8 });
    const started = answers.filter((_, i) => i >= 2 * raced || i % 2 === 0);
    const ended = await settle(started, 60_000);

    // Both answered starts; a key raced on both got one saga, created once.
    const answeredBy = (url: string) => answers.filter((answer) => answer.answeredBy === url);
    const half = (sagas - raced) / 2 + raced;
    expect([answeredBy(a).length, answeredBy(b).length]).toEqual([half, half]);
    const racedPairs = plans.slice(0, raced).map((plan) => {
      const pair = answers.filter((answer) => answer.plan === plan);
      return { plan: plan.idempotencyKey, ids: new Set(pair.map((p) => p.sagaId)).size, pair };
    });
    expect(
      racedPairs.filter((r) => r.ids !== 1 || r.pair.filter((p) => p.created).length !== 1),
    ).toEqual([]);

    await expectEachSagaEndedOnce(started, ended);
    // No crash here, so not even at-least-once allows a second copy of a command: the two
    // relays never publish the same outbox row.
    const commands = await readCommandLog(PARTICIPANTS.map((p) => topics().commands(p)));
    const report = duplicateReport(commands, []);
    expect(report.overTheWindow).toEqual([]);

    // Both consumed replies: each still holds the partitions it held before the load, every
    // partition carried replies, and the group committed all of them (settle).
    const after = await describeGroup(replyGroup());
    expect(repliesHeld(after.members)).toEqual(held);
    const replies = await partitionEnds(topics().replies);
    expect(Object.values(replies).filter((end) => end === 0)).toEqual([]);

    console.log(
      [
        `${sagas} sagas on 2 instances, ${raced} keys started on both at once`,
        `starts answered: a ${answeredBy(a).length}, b ${answeredBy(b).length}`,
        `saga.replies partitions held: ${JSON.stringify(held)}; replies per partition: ${JSON.stringify(replies)}`,
        `${commands.length} commands, ${report.duplicatedIds} delivered twice; ` +
          `${participants!.duplicatesAnswered()} duplicates answered by the participants' idempotency`,
      ].join('\n'),
    );
  }, 90_000);

  it('when one is killed with SIGKILL, the other takes over its partitions and outbox lanes, and every saga ends', async () => {
    const sagas = 300;
    const { db } = environment!;
    // Timers stretched 20 times so that the ~30 s before the broker evicts the dead member
    // fire no reply timeout (see coordinator-crash.e2e-spec.ts for the shipped timing).
    const { a, b, held } = await startTwo({ ...environment!.env, TIME_SCALE: '20' });
    const [instanceA, instanceB] = instances;
    let bDead = false;
    // The load waits at 150 sagas until the kill: the kill comes after counts that are always
    // reached (100 created, 100 replies applied), with starts still coming.
    const gate = new LoadGate(150);
    const loading = startSagas(
      orderPlans(environment!.schema, sagas),
      async (i) => {
        await gate.wait(i);
        return i % 2 === 0 || bDead ? a : b;
      },
      { concurrency: 6, timeoutMs: 60_000 },
    );
    loading.catch(() => undefined); // awaited below
    const atKill = await waitFor(
      '100 sagas created and 100 replies applied on the two instances',
      async () => {
        const now = await sagaProgress(db);
        return now.total >= 100 && now.appliedReplies >= 100 ? now : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 20 },
    );
    const killedAt = await killHard(instanceB!);
    bDead = true;
    gate.release(sagas);
    const started = await loading;
    const ended = await settle(started, 90_000);
    const tookOverAfter = Date.now() - killedAt;

    await expectEachSagaEndedOnce(started, ended);
    // A copy of a command is allowed only across the kill: b published it and did not mark it
    // sent, then a republished it.
    const commands = await readCommandLog(PARTICIPANTS.map((p) => topics().commands(p)));
    const report = duplicateReport(commands, [killedAt]);
    expect(report.overTheWindow).toEqual([]);
    expect(report.sameLife).toEqual([]);
    // a alone holds every partition now.
    const after = await describeGroup(replyGroup());
    expect(repliesHeld(after.members)).toEqual({ 'coordinator-a': [0, 1, 2] });
    expect(instanceA!.service.child.exitCode).toBeNull();

    const byB = started.filter((s) => s.answeredBy === b).length;
    console.log(
      [
        `${sagas} sagas on 2 instances; b killed at ${atKill.total} started, ${atKill.running} running, ${atKill.unsentOutbox} outbox rows unsent`,
        `saga.replies partitions held before: ${JSON.stringify(held)}; all ended ${tookOverAfter} ms after the kill`,
        `starts answered: a ${sagas - byB}, b ${byB} (${started.filter((s) => s.requests > 1).length} sent again to a after the kill)`,
        `${commands.length} commands: ${report.duplicatedIds} delivered twice; ` +
          `${participants!.duplicatesAnswered()} duplicates answered by the participants' idempotency`,
      ].join('\n'),
    );
  }, 150_000);
});
