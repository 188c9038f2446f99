import type { CommandMessage, ReplyMessage } from '#contracts';
import type { OutboxRow } from '../persistence/saga-rows.js';
import {
  lateDefinitions,
  MemoryStore,
  NOW,
  runnerOn,
  startOrderOn,
} from './memory-saga-store.fixture.js';
import { ReplyDecisions } from './reply-decisions.js';

/** Starts an order saga on `store`; its id and the success reply to its running step. */
async function startedWithReply(
  store: MemoryStore,
  sagaIdCase: 'lower' | 'upper' = 'lower',
  key = 'o-1',
) {
  const sagaId = await startOrderOn(store, key);
  const running = Object.entries(store.rows.get(sagaId)!.state.steps).find(
    ([, step]) => step.status === 'running',
  );
  const stepId = running![0];
  const reply: ReplyMessage = {
    messageId: `reply:${sagaId}:${stepId}:execute:1`,
    sagaId: sagaIdCase === 'upper' ? sagaId.toUpperCase() : sagaId,
    stepId,
    action: 'execute',
    attempt: 1,
    outcome: { status: 'success', result: {} },
    repliedAt: new Date(NOW).toISOString(),
  };
  const stepStatus = () => store.rows.get(sagaId)!.state.steps[stepId]?.status;
  return { sagaId, reply, stepStatus };
}

describe('ReplyDecisions', () => {
  it('applies a reply naming its saga in upper case: a UUID is the same in either case', async () => {
    const store = new MemoryStore();
    const { reply, stepStatus } = await startedWithReply(store, 'upper');

    expect(await new ReplyDecisions(runnerOn(store)).apply([reply])).toEqual([]);
    expect(stepStatus()).toBe('succeeded');
  });

  it('holds a command behind its saga’s command held for the same participant, though the gate has room', async () => {
    const store = new MemoryStore();
    const { sagaId, reply: started } = await startedWithReply(store);
    const reserved = { status: 'success', result: { reservationId: 'r-1' } } as const;
    const reply: ReplyMessage = { ...started, outcome: reserved };
    const paid: ReplyMessage = {
      ...reply,
      messageId: `reply:${sagaId}:authorize-payment:execute:1`,
      stepId: 'authorize-payment',
      outcome: { status: 'success', result: { authorizationId: 'a-1' } },
    };
    // Another instance held a command of this saga for `payment` (its counts were at the cap);
    // this one's counts show none held there.
    const earlier = { participant: 'payment', stepId: 'refund-payment' } as CommandMessage;
    store.held.push({ ...({} as OutboxRow), sagaId, command: earlier });
    store.moveBehindTheCache(sagaId);

    expect(await new ReplyDecisions(runnerOn(store)).apply([reply, paid])).toEqual([]);
    expect(store.rows.get(sagaId)!.state.steps['capture-payment']?.status).toBe('running');
    expect(store.held.map(({ command }) => [command.participant, command.stepId])).toEqual([
      ['payment', 'refund-payment'],
      ['payment', 'capture-payment'],
    ]);
  });

  it('leaves a reply whose saga runs a version it cannot run, after reading the definitions again', async () => {
    const store = new MemoryStore();
    const { sagaId, reply, stepStatus } = await startedWithReply(store);
    // An instance that has not read the version yet (registered elsewhere a moment ago).
    const late = lateDefinitions();
    const replies = new ReplyDecisions(runnerOn(store, late));

    expect(await replies.apply([reply])).toEqual([
      {
        index: 0,
        reason: `reply for saga ${sagaId}, which runs "order" version 1: this instance cannot run that version (replay it once one that can runs)`,
      },
    ]);
    expect(late.reads()).toBe(1);
    expect(stepStatus()).toBe('running');

    // Read again, the stored definitions have it: the reply is applied.
    late.store();
    expect(await replies.apply([reply])).toEqual([]);
    expect(late.reads()).toBe(2);
    expect(stepStatus()).toBe('succeeded');
  });

  it('leaves a reply whose saga’s state does not open, and applies the others', async () => {
    const store = new MemoryStore();
    const unopenable = await startedWithReply(store, 'lower', 'o-1');
    const fine = await startedWithReply(store, 'lower', 'o-2');
    store.sealAway(unopenable.sagaId);

    // A new runner: nothing cached, so the states are read (and opened).
    expect(await new ReplyDecisions(runnerOn(store)).apply([unopenable.reply, fine.reply])).toEqual(
      [
        {
          index: 0,
          reason: expect.stringMatching(
            new RegExp(
              `^reply for saga ${unopenable.sagaId}, whose state does not open here \\(UnsealError: no key gone .*\\): replay it once the keyring holds its key$`,
            ),
          ),
        },
      ],
    );
    expect(unopenable.stepStatus()).toBe('running');
    expect(fine.stepStatus()).toBe('succeeded');
  });
});
