import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import { MemoryStore, NOW, orderInput, runnerOn } from './memory-saga-store.fixture.js';
import { ReplyDecisions } from './reply-decisions.js';
import { StartDecisions } from './start-decisions.js';

describe('ReplyDecisions', () => {
  it('applies a reply naming its saga in upper case: a UUID is the same in either case', async () => {
    const store = new MemoryStore();
    const runner = runnerOn(store);
    const starts = new StartDecisions(runner, {
      admission: new SagaAdmission(1_000),
      repliesFirst: new RepliesFirst(100, 1),
      waitForRepliesMs: 5_000,
      maxWaitingBytes: 64 * 1024 * 1024,
      maxContextBytes: 64 * 1024,
    });
    const [started] = await starts.startMany([
      { sagaType: 'order', idempotencyKey: 'o-1', input: orderInput('o-1') },
    ]);
    if (started === undefined || started instanceof Error) throw new Error('no saga started');
    const { sagaId } = started;
    const running = Object.entries(store.rows.get(sagaId)!.state.steps).find(
      ([, step]) => step.status === 'running',
    );
    const stepId = running![0];

    const unmatched = await new ReplyDecisions(runner).apply([
      {
        messageId: `reply:${sagaId}:${stepId}:execute:1`,
        sagaId: sagaId.toUpperCase(),
        stepId,
        action: 'execute',
        attempt: 1,
        outcome: { status: 'success', result: {} },
        repliedAt: new Date(NOW).toISOString(),
      },
    ]);

    expect(unmatched).toEqual([]);
    expect(store.rows.get(sagaId)!.state.steps[stepId]?.status).toBe('succeeded');
  });
});
