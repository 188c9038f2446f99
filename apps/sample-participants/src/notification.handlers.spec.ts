import { DEFAULT_BREAKER_CONFIG } from './breaker-config.js';
import { call } from './command.fixture.js';
import { simulatedChannel } from './notification-channels.js';
import { emailWithSmsFallback, NOTIFICATION_UNAVAILABLE } from './notification-dispatcher.js';
import { NotificationHandlers } from './notification.handlers.js';

const confirmed = { orderId: 'o-1', customerId: 'c-1', template: 'order-confirmed' };

/** Simulated channels that never wait; `down` ones always fail. */
function channels(down: { email?: boolean; sms?: boolean } = {}) {
  const rate = (isDown = false) => ({ latencyMs: 0, failureRate: isDown ? 1 : 0 });
  const email = simulatedChannel('email', rate(down.email), { random: () => 0.5 });
  const sms = simulatedChannel('sms', rate(down.sms), { random: () => 0.5 });
  const dispatcher = emailWithSmsFallback(
    { email, sms },
    { ...DEFAULT_BREAKER_CONFIG, timeoutMs: 0 },
  );
  return { email, sms, dispatcher };
}

const breakers: { shutdown(): void }[] = [];
function notificationWith(down: { email?: boolean; sms?: boolean } = {}) {
  const { email, sms, dispatcher } = channels(down);
  breakers.push(dispatcher.breaker);
  return { notification: new NotificationHandlers({ dispatcher }), email, sms };
}
afterEach(() => {
  for (const breaker of breakers.splice(0)) breaker.shutdown();
});

describe('the notification service', () => {
  it('sends the customer the message of the template, by email without a dispatcher', async () => {
    const notification = new NotificationHandlers();

    const result = await call(notification, 'notification.send', confirmed, {
      stepId: 'notify-customer',
    });

    expect(result).toEqual({ notificationId: 'ntf:saga-1:notify-customer', channel: 'email' });
    expect(notification.sent()).toEqual([
      {
        notificationId: 'ntf:saga-1:notify-customer',
        customerId: 'c-1',
        template: 'order-confirmed',
        channel: 'email',
      },
    ]);
    expect(notification.ledger.countOf('saga-1:notify-customer')).toBe(1);
  });

  it('refuses a message without a template', async () => {
    const notification = new NotificationHandlers();

    await expect(
      call(notification, 'notification.send', { orderId: 'o-1', customerId: 'c-1' }),
    ).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect(notification.sent()).toEqual([]);
  });

  it('answers the channel the dispatcher used: email while it answers', async () => {
    const { notification, email, sms } = notificationWith();

    await expect(call(notification, 'notification.send', confirmed)).resolves.toMatchObject({
      channel: 'email',
    });
    expect([email.sent(), sms.sent()]).toEqual([1, 0]);
  });

  it('answers sms when email fails, and records the message as sent by SMS', async () => {
    const { notification, email, sms } = notificationWith({ email: true });

    const result = await call(notification, 'notification.send', confirmed, {
      stepId: 'notify-customer',
    });

    expect(result).toEqual({ notificationId: 'ntf:saga-1:notify-customer', channel: 'sms' });
    expect([email.failed(), sms.sent()]).toEqual([1, 1]);
    expect(notification.sent()).toMatchObject([{ channel: 'sms' }]);
  });

  it('answers a retryable NOTIFICATION_UNAVAILABLE and records nothing when both channels fail', async () => {
    const { notification } = notificationWith({ email: true, sms: true });

    await expect(call(notification, 'notification.send', confirmed)).rejects.toMatchObject({
      code: NOTIFICATION_UNAVAILABLE,
      retryable: true,
    });
    expect(notification.sent()).toEqual([]);
    expect(notification.ledger.entries).toEqual([]);
  });

  it('messages the customer once by a channel when the same key comes twice', async () => {
    const { notification, email } = notificationWith();

    const first = await call(notification, 'notification.send', confirmed);
    const again = await call(notification, 'notification.send', confirmed);

    expect(again).toEqual(first);
    expect(email.sent()).toBe(1);
  });
});
