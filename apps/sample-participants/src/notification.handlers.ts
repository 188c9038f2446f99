import { z } from 'zod';
import { parsePayload } from '#saga-participant';
import { EffectLedger } from './effect-ledger.js';
import type { NotificationChannel } from './notification-channels.js';
import type { MessageDispatcher } from './notification-dispatcher.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The notification participant's name. */
export const NOTIFICATION = 'notification';

/** A message sent to a customer. */
export interface SentNotification {
  readonly notificationId: string;
  readonly customerId: string;
  readonly template: string;
  readonly channel: NotificationChannel;
}

/** Options of the notification service. */
export interface NotificationOptions extends SampleServiceOptions {
  /**
   * Sends every message, under the command's idempotency key (e.g. emailWithSmsFallback(...):
   * email behind a circuit breaker, SMS as its fallback). Default none: every message goes out
   * by email at once (the handler answers without waiting).
   */
  readonly dispatcher?: MessageDispatcher;
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

/**
 * Creates the notification service: `notification.send` sends one message per step and answers
 * `{ notificationId, channel }`. When no channel can be used it answers a retryable `error`
 * NOTIFICATION_UNAVAILABLE and records nothing.
 */
export function createNotificationService(options: NotificationOptions = {}): NotificationService {
  const sent: SentNotification[] = [];
  const ledger = new EffectLedger(options.now);
  const { dispatcher } = options;
  return {
    participant: NOTIFICATION,
    ledger,
    sent: () => [...sent],
    handlers: {
      'notification.send': (command, context) => {
        const { customerId, template } = parsePayload(sendPayload, command.payload);
        /** Records the message sent by `channel`; nothing is recorded when no channel answered. */
        const record = (channel: NotificationChannel) => {
          const notificationId = `ntf:${originOf(command)}`;
          const message = { notificationId, customerId, template, channel };
          sent.push(message);
          context.onRollback(() => sent.splice(sent.indexOf(message), 1));
          return ledger.applied(command, context, { notificationId, channel });
        };
        if (dispatcher === undefined) return record('email');
        const { idempotencyKey } = command;
        return dispatcher.send({ idempotencyKey, customerId, template }).then(record);
      },
    },
  };
}
