import { Controller, Inject, Optional } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { z } from 'zod';
import type { CommandMessage, JsonValue } from '#contracts';
import { type HandlerContext, parsePayload, SagaCommand } from '#saga-participant';
import { EffectLedger } from './effect-ledger.js';
import type { NotificationChannel } from './notification-channels.js';
import type { MessageDispatcher } from './notification-dispatcher.js';
import { originOf, type SampleService, type SampleServiceOptions } from './sample-service.js';

/** The notification participant's name. */
export const NOTIFICATION = 'notification';

/** The injection token of NotificationHandlers' options. */
export const NOTIFICATION_OPTIONS = Symbol('NotificationOptions');

/** A message sent to a customer. */
export interface SentNotification {
  readonly notificationId: string;
  readonly customerId: string;
  readonly template: string;
  readonly channel: NotificationChannel;
}

/** Options of the notification participant. */
export interface NotificationOptions extends SampleServiceOptions {
  /**
   * Sends every message, under the command's idempotency key (e.g. emailWithSmsFallback(...):
   * email behind a circuit breaker, SMS as its fallback). Default none: every message goes out
   * by email at once (the handler answers without waiting).
   */
  readonly dispatcher?: MessageDispatcher;
}

const sendPayload = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  template: z.string().min(1),
});

/**
 * The notification participant: `notification.send` sends one message per step and answers
 * `{ notificationId, channel }`. When no channel can be used it answers a retryable `error`
 * NOTIFICATION_UNAVAILABLE and records nothing.
 */
@Controller()
export class NotificationHandlers implements SampleService {
  readonly participant = NOTIFICATION;
  readonly ledger: EffectLedger;
  private readonly messages: SentNotification[] = [];
  private readonly dispatcher: MessageDispatcher | undefined;

  constructor(@Optional() @Inject(NOTIFICATION_OPTIONS) options: NotificationOptions = {}) {
    this.ledger = new EffectLedger(options.now);
    this.dispatcher = options.dispatcher;
  }

  /** Every message sent, oldest first. */
  sent(): SentNotification[] {
    return [...this.messages];
  }

  /** Sends the customer the message of the step's template. */
  @SagaCommand('notification.send', { participant: NOTIFICATION })
  send(
    @Payload() command: CommandMessage,
    @Ctx() context: HandlerContext,
  ): JsonValue | Promise<JsonValue> {
    const { customerId, template } = parsePayload(sendPayload, command.payload);
    /** Records the message sent by `channel`; nothing is recorded when no channel answered. */
    const record = (channel: NotificationChannel) => {
      const notificationId = `ntf:${originOf(command)}`;
      const message = { notificationId, customerId, template, channel };
      this.messages.push(message);
      context.onRollback(() => this.messages.splice(this.messages.indexOf(message), 1));
      return this.ledger.applied(command, context, { notificationId, channel });
    };
    if (this.dispatcher === undefined) return record('email');
    const { idempotencyKey } = command;
    return this.dispatcher.send({ idempotencyKey, customerId, template }).then(record);
  }
}
