import { seededRandom } from './faults/seeded-random.js';
import {
  notificationChannelsConfigSchema,
  simulatedChannel,
  type OutgoingMessage,
} from './notification-channels.js';

const message: OutgoingMessage = {
  idempotencyKey: 'saga-1:notify-customer',
  customerId: 'c-1',
  template: 'order-confirmed',
};

describe('a simulated message channel', () => {
  it('sends once per idempotency key', async () => {
    const email = simulatedChannel('email', { latencyMs: 0, failureRate: 0 });

    await email.send(message);
    await email.send(message);

    expect(email.sent()).toBe(1);
  });

  it('fails and waits as drawn, the same way for the same seed', async () => {
    const run = async () => {
      const slept: number[] = [];
      const sms = simulatedChannel(
        'sms',
        { latencyMs: 100, failureRate: 0.3 },
        { random: seededRandom(7), sleep: async (ms) => void slept.push(ms) },
      );
      const outcomes: string[] = [];
      for (let i = 0; i < 40; i++) {
        outcomes.push(
          await sms.send({ ...message, idempotencyKey: `k${i}` }).then(
            () => 'ok',
            (error: Error) => `${error.name}: ${error.message}`,
          ),
        );
      }
      return { outcomes, slept, failed: sms.failed() };
    };

    const first = await run();

    expect(await run()).toEqual(first);
    expect(first.failed).toBeGreaterThan(3);
    expect(first.outcomes).toContain('ChannelFailure: the sms provider failed');
    expect(first.outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(20);
    expect(first.slept.every((ms) => ms >= 0 && ms < 100)).toBe(true);
  });

  it('reads its configuration with both channels always there by default, refusing unknown fields', () => {
    expect(notificationChannelsConfigSchema.parse({ sms: { failureRate: 0.1 } })).toMatchObject({
      email: { latencyMs: 0, failureRate: 0 },
      sms: { latencyMs: 0, failureRate: 0.1 },
      breaker: { timeoutMs: 2_000, errorThresholdPercentage: 50, volumeThreshold: 10 },
    });
    expect(() => notificationChannelsConfigSchema.parse({ push: {} })).toThrow(/push/);
  });
});
