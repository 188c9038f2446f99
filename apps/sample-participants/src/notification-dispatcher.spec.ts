import { jest } from '@jest/globals';
import { TechnicalError } from '#saga-participant';
import { DEFAULT_BREAKER_CONFIG } from './breaker-config.js';
import type { MessageChannel, OutgoingMessage } from './notification-channels.js';
import {
  emailWithSmsFallback,
  NOTIFICATION_UNAVAILABLE,
  type GuardedDispatcher,
} from './notification-dispatcher.js';

const message: OutgoingMessage = {
  idempotencyKey: 'saga-1:notify-customer',
  customerId: 'c-1',
  template: 'order-confirmed',
};
const breakerConfig = { ...DEFAULT_BREAKER_CONFIG, timeoutMs: 0, volumeThreshold: 2 };

/** A channel counting its calls, failing while `down` is true. */
function scriptedChannel() {
  const state = { calls: 0, down: false };
  const channel: MessageChannel = {
    send: async () => {
      state.calls++;
      if (state.down) throw new Error('connect ECONNREFUSED smtp.example:587 user=secret');
    },
  };
  return { channel, state };
}

const dispatchers: GuardedDispatcher[] = [];
function dispatcherOf(config = breakerConfig) {
  const email = scriptedChannel();
  const sms = scriptedChannel();
  const dispatcher = emailWithSmsFallback({ email: email.channel, sms: sms.channel }, config);
  dispatchers.push(dispatcher);
  return { dispatcher, email: email.state, sms: sms.state };
}
afterEach(() => {
  for (const dispatcher of dispatchers.splice(0)) dispatcher.breaker.shutdown();
  jest.useRealTimers();
});

describe('email behind a circuit breaker, SMS as its fallback', () => {
  it('sends by email while email answers', async () => {
    const { dispatcher, email, sms } = dispatcherOf();

    await expect(dispatcher.send(message)).resolves.toBe('email');
    expect([email.calls, sms.calls]).toEqual([1, 0]);
  });

  it('sends by SMS when email fails', async () => {
    const { dispatcher, email, sms } = dispatcherOf();
    email.down = true;

    await expect(dispatcher.send(message)).resolves.toBe('sms');
    expect([email.calls, sms.calls]).toEqual([1, 1]);
  });

  it('sends by SMS without calling email while the breaker is open', async () => {
    const { dispatcher, email, sms } = dispatcherOf();
    dispatcher.breaker.open();

    await expect(dispatcher.send(message)).resolves.toBe('sms');
    expect([email.calls, sms.calls]).toEqual([0, 1]);
  });

  it('opens after enough email failures, then stops calling email', async () => {
    const { dispatcher, email } = dispatcherOf();
    email.down = true;

    for (let i = 0; i < 2; i++) await dispatcher.send(message);
    email.down = false;

    expect(dispatcher.breaker.opened).toBe(true);
    await expect(dispatcher.send(message)).resolves.toBe('sms');
    expect(email.calls).toBe(2);
  });

  it('falls back to SMS when email is slower than the timeout', async () => {
    jest.useFakeTimers();
    const sms = scriptedChannel();
    const hanging: MessageChannel = { send: () => new Promise(() => undefined) };
    const dispatcher = emailWithSmsFallback(
      { email: hanging, sms: sms.channel },
      { ...breakerConfig, timeoutMs: 2_000 },
    );
    dispatchers.push(dispatcher);

    const sent = dispatcher.send(message);
    jest.advanceTimersByTime(2_000);

    await expect(sent).resolves.toBe('sms');
  });

  it("answers a retryable NOTIFICATION_UNAVAILABLE without the providers' text when both fail", async () => {
    const { dispatcher, email, sms } = dispatcherOf();
    email.down = true;
    sms.down = true;

    const error: unknown = await dispatcher.send(message).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TechnicalError);
    expect(error).toMatchObject({ code: NOTIFICATION_UNAVAILABLE, retryable: true });
    expect((error as Error).message).toBe('notification unavailable (email: failed; sms: failed)');
  });

  it('says the breaker was open when SMS fails behind an open breaker', async () => {
    const { dispatcher, sms } = dispatcherOf();
    dispatcher.breaker.open();
    sms.down = true;

    await expect(dispatcher.send(message)).rejects.toMatchObject({
      code: NOTIFICATION_UNAVAILABLE,
      message: 'notification unavailable (email: the circuit breaker is open; sms: failed)',
    });
  });
});
