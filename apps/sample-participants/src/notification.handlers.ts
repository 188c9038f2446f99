import { z } from 'zod';
import { parsePayload } from '../../../libs/saga-participant/src/index.js';
import { EffectLedger } from './effect-ledger.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The notification participant's name. */
export const NOTIFICATION = 'notification';

/** A message sent to a customer. */
export interface SentNotification {
  readonly notificationId: string;
  readonly customerId: string;
  readonly template: string;
}

/** The notification service: sends a customer a message about their order. */
export interface NotificationService extends SampleService {
  /** Every message sent, oldest first. */
  sent(): SentNotification[];
}

const sendPayload = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  template: z.string().min(1),
});

/** Creates the notification service: `notification.send` sends one message per step. */
export function createNotificationService(options: SampleServiceOptions = {}): NotificationService {
  const sent: SentNotification[] = [];
  const ledger = new EffectLedger(options.now);
  return {
    participant: NOTIFICATION,
    ledger,
    sent: () => [...sent],
    handlers: {
      'notification.send': (command, context) => {
        const { customerId, template } = parsePayload(sendPayload, command.payload);
        const notificationId = `ntf:${originOf(command)}`;
        sent.push({ notificationId, customerId, template });
        return ledger.applied(command, context, { notificationId });
      },
    },
  };
}
