import { createRequire } from 'node:module';
import { isBrokerUnavailable, retryWhileBrokerUnavailable } from './broker-unavailable.js';

const require = createRequire(import.meta.url);

// kafkajs's own error classes, as its admin client throws them.
const {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSSASLAuthenticationError,
} = require('kafkajs/src/errors.js') as Record<
  | 'KafkaJSConnectionError'
  | 'KafkaJSNonRetriableError'
  | 'KafkaJSNumberOfRetriesExceeded'
  | 'KafkaJSSASLAuthenticationError',
  new (...args: unknown[]) => Error
>;

/** What the admin's connect rejects with once kafkajs gave up on a refused port. */
const refused = () =>
  new KafkaJSNumberOfRetriesExceeded(
    new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:1'),
    { retryCount: 5, retryTime: 4_000 },
  );

describe('isBrokerUnavailable', () => {
  it('is true of a broker that cannot be reached or is not ready, once kafkajs gave up its retries', () => {
    expect(isBrokerUnavailable(refused())).toBe(true);
    expect(isBrokerUnavailable(new KafkaJSConnectionError('Connection timeout'))).toBe(true);
  });

  it('is false of what another try cannot mend: credentials refused, any other error', () => {
    const denied = new KafkaJSSASLAuthenticationError('SASL SCRAM failed');
    expect(isBrokerUnavailable(new KafkaJSNonRetriableError(denied, { cause: denied }))).toBe(
      false,
    );
    expect(isBrokerUnavailable(new Error('Connection error'))).toBe(false);
    expect(isBrokerUnavailable(undefined)).toBe(false);
  });
});

describe('retryWhileBrokerUnavailable', () => {
  it('tries again while the broker is unavailable, pausing longer each time, until it answers', async () => {
    let now = 0;
    const pauses: number[] = [];
    const retried: unknown[] = [];
    let calls = 0;
    const answer = await retryWhileBrokerUnavailable(
      async () => {
        calls++;
        if (calls < 4) throw refused();
        return 'topics';
      },
      {
        until: 60_000,
        onRetry: (error) => retried.push(error),
        now: () => now,
        sleep: async (ms) => {
          pauses.push(ms);
          now += ms;
        },
      },
    );
    expect(answer).toBe('topics');
    expect(pauses).toEqual([250, 500, 1_000]);
    expect(retried).toHaveLength(3);
  });

  it('throws what another try cannot mend at once, and the last failure once its time is up', async () => {
    const sleep = async () => undefined;
    const denied = new KafkaJSSASLAuthenticationError('SASL SCRAM failed');
    await expect(
      retryWhileBrokerUnavailable(
        async () => {
          throw denied;
        },
        { until: 60_000, now: () => 0, sleep },
      ),
    ).rejects.toBe(denied);
    let now = 0;
    let calls = 0;
    await expect(
      retryWhileBrokerUnavailable(
        async () => {
          calls++;
          now += 9_000; // kafkajs's own retries of a refused connection
          throw refused();
        },
        { until: 20_000, now: () => now, sleep: async (ms) => void (now += ms) },
      ),
    ).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(3);
  });
});
