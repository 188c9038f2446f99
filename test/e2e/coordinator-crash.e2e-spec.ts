// A coordinator process killed with SIGKILL in the middle of hundreds of sagas, then started
// again on the same database and topics (../../../shared/DESIGN.md, "The failure windows that
// tests must hit on purpose", 1 and 2): every saga ends as its input says, no effect is applied
// twice, and a command is delivered again only when a crash left it published but not marked sent.
import { topicNames } from '#contracts';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { duplicateReport, readCommandLog } from '../support/command-log.js';
import { waitForGroupsToCatchUp } from '../support/consumer-groups.js';
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
  wrongEnds,
} from '../support/order-invariants.js';
import {
  orderPlans,
  sagaProgress,
  startSagas,
  statusSummary,
  type SagaProgress,
  type StartedSaga,
} from '../support/saga-load.js';
import { LoadGate } from '../support/load-gate.js';
import { waitFor } from '../support/wait-for.js';

const PARTICIPANTS = ['inventory', 'notification', 'payment', 'shipping'];

/** What happened in a crash scenario, for the assertions. */
interface CrashRun {
  readonly started: StartedSaga[];
  /** When each killed process was seen dead (epoch ms). */
  readonly killedAt: number[];
  /** When each process listened (epoch ms): the first, then one per restart. */
  readonly listenedAt: number[];
  /** The figures at each kill. */
  readonly atKill: SagaProgress[];
}

describe('a coordinator process killed with SIGKILL in the middle of hundreds of sagas', () => {
  let environment: CoordinatorEnvironment | undefined;
  let participants: ObservedParticipants | undefined;
  let lives: CoordinatorProcess[] = [];

  beforeEach(async () => {
    environment = await createEnvironment('e2e_crash');
    participants = await startObservedParticipants(environment);
  });

  afterEach(async () => {
    await Promise.all(lives.map((life) => life.service.stop('SIGKILL')));
    lives = [];
    await participants?.stop();
    await environment?.dispose();
  });

  /**
   * Starts `sagas` sagas over HTTP, 4 requests at a time, on whichever process lives; kills it
   * with SIGKILL `kills` times and starts a new one at once with the same environment.
   * Each life gets its share of the sagas (a gate holds the load at that share) and is killed
   * once it created all but 20 of them and applied 50 replies of its own: counts that are always
   * reached, with starts still coming, however fast or slow the machine. Resolves once every
   * start got its 202.
   */
  async function crashRun(
    env: Record<string, string>,
    sagas: number,
    kills: number,
  ): Promise<CrashRun> {
    const { db, schema } = environment!;
    const share = Math.floor(sagas / (kills + 1));
    const gate = new LoadGate(share);
    lives.push(launchCoordinator(env));
    await lives[0]!.url;
    const loading = startSagas(
      orderPlans(schema, sagas),
      async (index) => {
        await gate.wait(index);
        return lives.at(-1)!.url;
      },
      { concurrency: 4, timeoutMs: 110_000 },
    );
    loading.catch(() => undefined); // awaited below
    const killedAt: number[] = [];
    const listenedAt: number[] = [];
    const atKill: SagaProgress[] = [];
    for (let kill = 0; kill < kills; kill++) {
      const life = lives.at(-1)!;
      await life.url;
      listenedAt.push(Date.now());
      const listening = await sagaProgress(db);
      // Not a bound on load: both counts are sure to be reached (the gate lets `share` sagas
      // through and each one gets replies); the timeout only catches a coordinator that is broken.
      const progress = await waitFor(
        `coordinator process #${kill + 1} to create ${gate.limit - 20} sagas and apply 50 replies`,
        async () => {
          const now = await sagaProgress(db);
          return now.total >= gate.limit - 20 && now.appliedReplies >= listening.appliedReplies + 50
            ? now
            : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 20 },
      );
      killedAt.push(await killHard(life));
      atKill.push(progress);
      lives.push(launchCoordinator(env));
      gate.release(kill === kills - 1 ? sagas : gate.limit + share);
    }
    await lives.at(-1)!.url;
    listenedAt.push(Date.now());
    return { started: await loading, killedAt, listenedAt, atKill };
  }

  it('ends every saga after two restarts, applies no effect twice, and repeats a command only across a crash', async () => {
    const sagas = 300;
    const kills = 2;
    // Reply timeouts (5 s) and the deadline (10 min) stretched 20 times, far beyond the ~30 s a
    // restarted process waits for the broker to evict its dead predecessor from the consumer
    // groups (see the next test for what happens without): no timer fires during the test, so
    // every saga must end as its input says and every command has one attempt; a second copy
    // can only come from a later process republishing a row the killed one had not marked sent.
    const { db, topicPrefix } = environment!;
    const run = await crashRun({ ...environment!.env, TIME_SCALE: '20' }, sagas, kills);
    const ids = run.started.map((saga) => saga.sagaId);
    const ended = await waitForSagas(db, ids, ['completed', 'compensated'], 60_000).catch(
      async (error: Error) => {
        throw new Error(`${error.message}: ${await statusSummary(db)}`);
      },
    );
    await waitFor('the outbox to be drained', async () => {
      return (await sagaProgress(db)).unsentOutbox === 0;
    });
    const topics = topicNames(topicPrefix);
    const commandTopics = PARTICIPANTS.map((participant) => topics.commands(participant));
    await waitForGroupsToCatchUp(
      PARTICIPANTS.map((participant) => ({
        groupId: `${topicPrefix}${participant}.participant`,
        topic: topics.commands(participant),
      })),
    );

    // One saga per idempotency key, however many times its start was sent to dying processes.
    expect(new Set(ids).size).toBe(sagas);
    expect((await sagaProgress(db)).total).toBe(sagas);
    expect(await wrongEnds(environment!.db, run.started)).toEqual([]);

    // At the participants: nothing applied twice; each saga's effects match how it ended.
    const effects = appliedEffects(participants!.ledgers);
    expect(effectsAppliedTwice(effects)).toEqual([]);
    expect(effectsAgainstOutcomes(ended, effects)).toEqual([]);
    // In the coordinator: no reply applied twice, though the killed processes had replies
    // applied and not yet committed as consumed.
    expect(await repliesAppliedTwice(db)).toEqual([]);

    // On the command topics: each message id at most once per process life.
    const commands = await readCommandLog(commandTopics);
    const report = duplicateReport(commands, run.killedAt);
    expect(report.headerMismatches).toEqual([]);
    expect(report.overTheWindow).toEqual([]);
    expect(report.sameLife).toEqual([]);
    // No timer fired, so one attempt per command: one message id per step and action.
    const keys = new Set(commands.map((c) => `${c.idempotencyKey} ${c.action}`));
    expect(commands.length - report.extraCopies).toBe(keys.size);
    // Every effect was commanded (nothing applied that the log does not show).
    const commanded = new Set(commands.map((command) => command.idempotencyKey));
    expect(effects.filter((effect) => !commanded.has(effect.idempotencyKey))).toEqual([]);

    const declined = run.started.filter((saga) => saga.plan.expected === 'compensated').length;
    const resent = run.started.filter((saga) => saga.requests > 1);
    console.log(
      [
        `${sagas} sagas (${declined} declined), ${kills} SIGKILLs`,
        ...run.atKill.map(
          (p, i) =>
            `kill ${i + 1}: ${p.total} started, ${p.running} running, ${p.unsentOutbox} outbox rows unsent`,
        ),
        `restarted processes listened ${run.killedAt.map((at, i) => run.listenedAt[i + 1]! - at).join(' / ')} ms after the kills`,
        `${commands.length} commands delivered for ${keys.size} message ids: ` +
          `${report.duplicatedIds} delivered more than once (${report.extraCopies} extra copies); ` +
          `${participants!.duplicatesAnswered()} duplicates answered by the participants' idempotency`,
        `${resent.length} starts sent again after a kill (${resent.filter((s) => !s.created).length} answered with the saga the dead process had started)`,
      ].join('\n'),
    );
  }, 170_000);

  it('ends every saga as its input says after a restart with the shipped reply timeouts', async () => {
    // The default timing (TIME_SCALE=1): a reply timeout of 5 s and 4 attempts before the pivot,
    // ~21 s in all. The restarted process fires due timers at once, but reads no reply until the
    // broker evicts the dead member from the group (~30 s, kafkajs's session timeout): sagas
    // whose replies wait unread in Kafka run out of attempts and compensate for no reason, or
    // halt as stuck with the payment captured (outcome of the pivot unknown). Fails today.
    const { db } = environment!;
    const run = await crashRun({ ...environment!.env }, 200, 1);
    const ids = run.started.map((saga) => saga.sagaId);
    await waitForSagas(db, ids, ['completed', 'compensated', 'stuck'], 60_000).catch(
      async (error: Error) => {
        throw new Error(`${error.message}: ${await statusSummary(db)}`);
      },
    );
    const wrong = await wrongEnds(environment!.db, run.started);
    const captured = new Set(
      participants!.ledgers.payment.entries
        .filter((entry) => entry.commandType === 'payment.capture')
        .map((entry) => entry.idempotencyKey.split(':')[0]),
    );
    const stuck = await db.query<{ id: string }>(`SELECT id FROM sagas WHERE status = 'stuck'`);
    expect({
      wrongEnds: wrong.length,
      stuckWithPaymentCaptured: stuck.filter((row) => captured.has(row.id)).length,
      examples: wrong.slice(0, 3),
    }).toEqual({ wrongEnds: 0, stuckWithPaymentCaptured: 0, examples: [] });
  }, 130_000);
});
