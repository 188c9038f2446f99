import { HEADERS } from '#contracts';
import type { OutboxRow } from '../persistence/saga-rows.js';
import type { TimerRow } from '../persistence/saga-timers.js';
import { ON_TIME_MS, ON_TIME_SHARE, removalDeadlines } from './outbox-fast-path.js';

const rowOf = (messageId: string): OutboxRow => ({
  sagaId: '00000000-0000-4000-8000-000000000001',
  lane: 0,
  topic: 'payment.commands',
  key: '00000000-0000-4000-8000-000000000001',
  headers: { [HEADERS.messageId]: messageId },
  payload: {},
});

describe('removalDeadlines', () => {
  const awaiting = (messageId: string, delayMs: number): TimerRow => ({
    id: `timeout-${messageId}`,
    sagaId: '00000000-0000-4000-8000-000000000001',
    dueAt: 0,
    wakeup: { kind: 'reply-timeout', stepId: 'pay', attempt: 1 },
    awaits: { messageId, delayMs },
  });
  const deadlines = removalDeadlines(1_000, [awaiting('long', 60_000), awaiting('short', 300)]);

  it('lets a command under a long reply timeout be acknowledged up to ON_TIME_MS after its decision began', () => {
    expect(deadlines(rowOf('long'))).toBe(1_000 + ON_TIME_MS);
  });

  it('holds a command under a short reply timeout to its share of the timeout', () => {
    expect(deadlines(rowOf('short'))).toBe(1_000 + 300 * ON_TIME_SHARE);
  });

  it('lets a row no reply timeout awaits be removed however late', () => {
    expect(deadlines(rowOf('event'))).toBe(Number.POSITIVE_INFINITY);
  });
});
