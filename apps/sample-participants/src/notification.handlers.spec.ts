import { call } from './command.fixture.js';
import { createNotificationService } from './notification.handlers.js';

describe('the notification service', () => {
  it('sends the customer the message of the template', async () => {
    const notification = createNotificationService();

    const result = await call(
      notification,
      'notification.send',
      { orderId: 'o-1', customerId: 'c-1', template: 'order-confirmed' },
      { stepId: 'notify-customer' },
    );

    expect(result).toEqual({ notificationId: 'ntf:saga-1:notify-customer' });
    expect(notification.sent()).toEqual([
      {
        notificationId: 'ntf:saga-1:notify-customer',
        customerId: 'c-1',
        template: 'order-confirmed',
      },
    ]);
    expect(notification.ledger.countOf('saga-1:notify-customer')).toBe(1);
  });

  it('refuses a message without a template', async () => {
    const notification = createNotificationService();

    await expect(
      call(notification, 'notification.send', { orderId: 'o-1', customerId: 'c-1' }),
    ).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect(notification.sent()).toEqual([]);
  });
});
