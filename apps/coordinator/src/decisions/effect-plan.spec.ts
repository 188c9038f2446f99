import { HEADERS, MESSAGE_TYPES, topicNames } from '#contracts';
import type { Effect } from '#saga-core';
import { ON_TIME_MS, removalDeadlines } from '../outbox/outbox-fast-path.js';
import { laneOf } from '../outbox/outbox-lanes.js';
import { emptyWrites, planEffects } from './effect-plan.js';

const saga = {
  sagaId: '6f1c1d7e-0000-4000-8000-000000000001',
  sagaType: 'order',
  idempotencyKey: 'order-42',
};
const options = { topics: topicNames('test.'), timeScale: 1, lanes: 16 };
const now = Date.UTC(2026, 10, 28, 12, 0, 0);

const command: Effect = {
  type: 'send-command',
  command: {
    messageId: `${saga.sagaId}:pay:execute:2`,
    sagaId: saga.sagaId,
    sagaType: 'order',
    sagaVersion: 1,
    stepId: 'pay',
    action: 'execute',
    attempt: 2,
    participant: 'payment',
    commandType: 'payment.authorize',
    idempotencyKey: `${saga.sagaId}:pay`,
    payload: { amount: 10 },
  },
};
const retry = (at: number): Effect => ({
  type: 'schedule-wakeup',
  wakeupId: 'w-1',
  at,
  wakeup: { kind: 'retry', stepId: 'pay', attempt: 2 },
});

/** The reply timeout of the command above, due at `at`. */
const replyTimeout = (at: number) =>
  ({
    type: 'schedule-wakeup',
    wakeupId: 'timeout-1',
    at,
    wakeup: { kind: 'reply-timeout', stepId: 'pay', attempt: 2 },
  }) satisfies Effect;

describe('planEffects', () => {
  it('turns a command into an outbox row for the participant, keyed by saga, with the contract headers', () => {
    const writes = emptyWrites();
    planEffects(writes, [command], saga, now, options);
    expect(writes.outbox).toEqual([
      {
        sagaId: saga.sagaId,
        lane: laneOf(saga.sagaId, 16),
        topic: 'test.payment.commands',
        key: saga.sagaId,
        headers: expect.objectContaining({
          [HEADERS.messageId]: `${saga.sagaId}:pay:execute:2`,
          [HEADERS.messageType]: MESSAGE_TYPES.command,
          [HEADERS.attempt]: '2',
          [HEADERS.replyTo]: 'test.saga.replies',
        }),
        payload: expect.objectContaining({
          replyTo: 'test.saga.replies',
          sentAt: new Date(now).toISOString(),
        }),
      },
    ]);
  });

  it('turns an event into a row of the events topic that names the saga’s idempotency key', () => {
    const writes = emptyWrites();
    const event = {
      eventId: `${saga.sagaId}:3:0`,
      sagaId: saga.sagaId,
      sagaType: 'order',
      sagaVersion: 1,
      type: 'saga.completed' as const,
      at: new Date(now).toISOString(),
    };
    planEffects(writes, [{ type: 'publish-event', event }], saga, now, options);
    expect(writes.outbox).toEqual([
      expect.objectContaining({
        topic: 'test.saga.events',
        key: saga.sagaId,
        payload: { ...event, idempotencyKey: 'order-42' },
      }),
    ]);
    expect(writes.outbox[0]!.headers[HEADERS.messageType]).toBe(MESSAGE_TYPES.event);
  });

  it('scales timer delays by the configured time scale', () => {
    const writes = emptyWrites();
    planEffects(writes, [retry(now + 5_000)], saga, now, { ...options, timeScale: 0.01 });
    expect(writes.timers.get('w-1')?.dueAt).toBe(now + 50);
  });

  it('keeps only the last word on a timer: set then cancelled is a cancel, cancelled then set is a set', () => {
    const cancelled = emptyWrites();
    planEffects(
      cancelled,
      [retry(now + 10), { type: 'cancel-wakeup', wakeupId: 'w-1' }],
      saga,
      now,
      options,
    );
    expect([...cancelled.timers.keys()]).toEqual([]);
    expect([...cancelled.cancelledTimers.keys()]).toEqual(['w-1']);

    const set = emptyWrites();
    planEffects(
      set,
      [{ type: 'cancel-wakeup', wakeupId: 'w-1' }, retry(now + 10)],
      saga,
      now,
      options,
    );
    expect([...set.timers.keys()]).toEqual(['w-1']);
    expect([...set.cancelledTimers.keys()]).toEqual([]);
  });

  it('never schedules a timer in the past', () => {
    const writes = emptyWrites();
    planEffects(writes, [retry(now - 1_000)], saga, now, options);
    expect(writes.timers.get('w-1')?.dueAt).toBe(now);
  });
});

describe('planEffects and the fast path', () => {
  it('gives a command its reply timeout awaits a removal deadline, and an event none', () => {
    const timeout = replyTimeout(now + 60_000);
    const event: Effect = {
      type: 'publish-event',
      event: {
        eventId: `${saga.sagaId}:3:0`,
        sagaId: saga.sagaId,
        sagaType: 'order',
        sagaVersion: 1,
        type: 'saga.completed',
        at: new Date(now).toISOString(),
      },
    };
    const writes = emptyWrites();
    planEffects(writes, [command, timeout, event], saga, now, options);
    const deadlines = removalDeadlines(500, writes.timers.values());
    const [commandRow, eventRow] = writes.outbox;

    expect(deadlines(commandRow!)).toBe(500 + ON_TIME_MS);
    expect(deadlines(eventRow!)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('planEffects with a route', () => {
  it('holds a command with its reply timeout, unarmed, and drops one the caller answers itself', () => {
    const timeout = replyTimeout(now + 5_000);
    const held = emptyWrites();
    planEffects(held, [timeout, command, retry(now + 100)], saga, now, options, () => 'hold');
    expect(held.outbox).toEqual([]);
    expect(held.held).toHaveLength(1);
    expect(held.held[0]).toMatchObject({
      topic: 'test.payment.commands',
      command: { stepId: 'pay', attempt: 2 },
      replyTimer: { id: 'timeout-1', delayMs: 5_000, wakeup: timeout.wakeup },
    });
    // The timeout waits with the command; other timers are set as usual.
    expect([...held.timers.keys()]).toEqual(['w-1']);

    const dropped = emptyWrites();
    planEffects(dropped, [command, timeout], saga, now, options, () => 'drop');
    expect([dropped.outbox, dropped.held]).toEqual([[], []]);
    expect([...dropped.timers.keys()]).toEqual(['timeout-1']);
  });
});
