import { HEADERS, LIMITS, type ReplyMessage } from '#contracts';
import type { IncomingMessage } from '#saga-core';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import {
  installGlobalTracing,
  SpanCollector,
} from '../../../../libs/tracing/src/span-collector.fixture.js';
import { replyBatchHandler } from './reply-handler.js';

const reply = (sagaId: string): ReplyMessage => ({
  messageId: `${sagaId}:reserve:execute:1:reply`,
  sagaId,
  stepId: 'reserve',
  action: 'execute',
  attempt: 1,
  outcome: { status: 'success', result: {} },
  repliedAt: '2026-12-03T10:00:00.000Z',
});
const message = (value: string | null): IncomingMessage => ({
  topic: 'saga.replies',
  key: null,
  headers: {},
  value,
});

/** Decisions that apply every reply but those of sagas named `unknown-*`. */
function decisionsKnowing(applied: ReplyMessage[]): SagaDecisions {
  return {
    applyReplies: async (replies: readonly ReplyMessage[]) => {
      applied.push(...replies);
      return replies.flatMap((r, index) =>
        r.sagaId.startsWith('unknown-') ? [{ index, reason: `no saga ${r.sagaId} here` }] : [],
      );
    },
  } as unknown as SagaDecisions;
}

describe('the reply batch handler', () => {
  it('applies valid replies together and dead-letters the bad and the unknown, each with its reason', async () => {
    const applied: ReplyMessage[] = [];
    const handle = replyBatchHandler(decisionsKnowing(applied), 10_000);
    const batch = [
      message(JSON.stringify(reply('saga-1'))),
      message('{"not": "a reply"}'),
      message(JSON.stringify(reply('unknown-2'))),
      message(null),
      message(JSON.stringify(reply('saga-3'))),
    ];

    const outcome = await handle(batch);

    expect(applied.map((r) => r.sagaId)).toEqual(['saga-1', 'unknown-2', 'saga-3']);
    expect(outcome.deadLetters.map((d) => [batch.indexOf(d.message), d.reason])).toEqual([
      [1, expect.stringMatching(/^invalid reply: /)],
      [3, 'empty message: a reply needs a JSON body'],
      [2, 'no saga unknown-2 here'],
    ]);
  });

  it('applies a reply too large to keep with its outcome cut down, and dead-letters one far larger', async () => {
    const applied: ReplyMessage[] = [];
    const handle = replyBatchHandler(decisionsKnowing(applied), 1_000);
    const large = (sagaId: string, bytes: number): ReplyMessage => ({
      ...reply(sagaId),
      outcome: { status: 'success', result: { blob: 'x'.repeat(bytes) } },
    });
    const refusal: ReplyMessage = {
      ...reply('saga-2'),
      outcome: { status: 'failure', code: 'DECLINED', message: 'no', details: 'y'.repeat(2_000) },
    };
    const batch = [
      message(JSON.stringify(large('saga-1', 5_000))),
      message(JSON.stringify(refusal)),
      message(JSON.stringify(large('saga-3', 20_000))),
    ];

    const outcome = await handle(batch);

    expect(applied.map((r) => [r.sagaId, r.outcome])).toEqual([
      [
        'saga-1',
        {
          status: 'success',
          result: {
            replyTooLarge: 'the reply was larger than 1000 bytes (MAX_CONTEXT_BYTES)',
          },
        },
      ],
      ['saga-2', { status: 'failure', code: 'DECLINED', message: 'no' }],
    ]);
    expect(outcome.deadLetters.map((d) => [batch.indexOf(d.message), d.reason])).toEqual([
      [2, 'reply larger than 16000 bytes, not read'],
    ]);
  });

  it('dead-letters nothing else when every saga is known', async () => {
    const handle = replyBatchHandler(decisionsKnowing([]), 10_000);
    const outcome = await handle([message(JSON.stringify(reply('saga-1')))]);
    expect(outcome.deadLetters).toEqual([]);
  });
});

describe('the spans of the reply batch handler', () => {
  const collector = new SpanCollector();
  const { ended } = collector;
  let uninstall: () => void;

  beforeAll(() => {
    uninstall = installGlobalTracing(collector);
  });

  afterAll(() => uninstall());

  beforeEach(() => collector.clear());

  it('take no saga type from an unchecked header, however long, and keep every value bounded', async () => {
    const handle = replyBatchHandler(decisionsKnowing([]), 10_000);
    const valid = reply('saga-1');
    const outcome = await handle([
      {
        ...message(JSON.stringify(valid)),
        headers: {
          [HEADERS.messageId]: valid.messageId,
          [HEADERS.sagaId]: valid.sagaId,
          [HEADERS.sagaType]: 'x'.repeat(2 ** 20),
          [HEADERS.stepId]: 'not-the-step',
        },
      },
    ]);

    expect(outcome.deadLetters).toEqual([]);
    expect(ended).toHaveLength(1);
    const { attributes } = ended[0]!;
    expect(attributes['saga.type']).toBeUndefined();
    expect(attributes).toMatchObject({ 'saga.id': 'saga-1', 'saga.step': 'reserve' });
    for (const value of Object.values(attributes)) {
      expect(String(value).length).toBeLessThanOrEqual(LIMITS.compositeId);
    }
  });
});
