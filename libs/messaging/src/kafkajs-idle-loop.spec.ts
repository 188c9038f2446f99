import { jest } from '@jest/globals';
import { createRequire } from 'node:module';
import { stopKafkajsIdleLoop } from './kafkajs-idle-loop.js';

// kafkajs's own request queue (one per broker connection), driven as a connection drives it.
interface Queue {
  throttledUntil: number;
  readonly pending: readonly unknown[];
  push(request: {
    entry: Record<string, unknown>;
    expectResponse: boolean;
    sendRequest: () => void;
  }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  checkPendingRequests(): void;
}
type QueueClass = new (options: Record<string, unknown>) => Queue;
const RequestQueue = createRequire(import.meta.url)(
  'kafkajs/src/network/requestQueue/index.js',
) as QueueClass;

const quiet = { debug: () => undefined, warn: () => undefined, error: () => undefined };

function queue(): { queue: Queue; sent: number[] } {
  const sent: number[] = [];
  const made = new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: quiet,
  });
  return { queue: made, sent };
}

function request(sent: number[], correlationId: number) {
  return {
    entry: {
      correlationId,
      apiKey: 1,
      apiName: 'Fetch',
      apiVersion: 11,
      resolve: () => undefined,
      reject: () => undefined,
    },
    expectResponse: true,
    sendRequest: () => void sent.push(correlationId),
  };
}

/** How often the queue checks for pending requests over `ms` of fake time. */
function checksOver(target: Queue, ms: number): number {
  const check = jest.spyOn(target, 'checkPendingRequests');
  jest.advanceTimersByTime(ms);
  const count = check.mock.calls.length;
  check.mockRestore();
  return count;
}

describe("kafkajs's request queue", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  // The order matters: the fix changes kafkajs's prototype for the rest of this file.
  it('left alone, checks for pending requests every millisecond once a response came in, with none pending', () => {
    const { queue: idle, sent } = queue();
    idle.push(request(sent, 1));
    idle.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });

    // A failure here means kafkajs no longer spins: stopKafkajsIdleLoop may go.
    expect(checksOver(idle, 1_000)).toBeGreaterThan(500);
  });

  describe('with the idle loop stopped', () => {
    beforeAll(() => {
      stopKafkajsIdleLoop();
      stopKafkajsIdleLoop(); // idempotent: the second call changes nothing
    });

    it('arms no timer once its last response is in', () => {
      const { queue: idle, sent } = queue();
      idle.push(request(sent, 1));
      idle.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });

      expect(jest.getTimerCount()).toBe(0);
      expect(checksOver(idle, 1_000)).toBe(0);
      expect(sent).toEqual([1]);
    });

    it('still sends a request that waited out a throttle, and then goes quiet', () => {
      const { queue: throttled, sent } = queue();
      throttled.throttledUntil = Date.now() + 50;
      throttled.push(request(sent, 7));
      expect(sent).toEqual([]);
      expect(throttled.pending).toHaveLength(1);

      jest.advanceTimersByTime(60);

      expect(sent).toEqual([7]);
      expect(throttled.pending).toHaveLength(0);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('sends at once while not throttled, arming nothing', () => {
      const { queue: open, sent } = queue();
      open.push(request(sent, 3));
      open.push(request(sent, 4));

      expect(sent).toEqual([3, 4]);
      expect(jest.getTimerCount()).toBe(0);
    });
  });
});
