import { type DynamicModule, Module } from '@nestjs/common';
import {
  INVENTORY_OPTIONS,
  InventoryHandlers,
  type InventoryOptions,
} from './inventory.handlers.js';
import {
  NOTIFICATION_OPTIONS,
  NotificationHandlers,
  type NotificationOptions,
} from './notification.handlers.js';
import { PAYMENT_OPTIONS, PaymentHandlers, type PaymentOptions } from './payment.handlers.js';
import type { SampleServiceOptions } from './sample-service.js';
import { SHIPPING_OPTIONS, ShippingHandlers } from './shipping.handlers.js';

/** The options each sample participant's controller is built with. */
export interface SampleHandlersOptions {
  readonly inventory: InventoryOptions;
  readonly notification: NotificationOptions;
  readonly payment: PaymentOptions;
  readonly shipping: SampleServiceOptions;
}

/**
 * The four sample participants as Nest controllers, each given its options. Their
 * `@SagaCommand` methods are bound to their participant, so each runs on that participant's
 * SagaParticipantServer only (see startSampleParticipants).
 */
@Module({})
export class SampleParticipantsModule {
  /** The module with every participant's options. */
  static register(options: SampleHandlersOptions): DynamicModule {
    return {
      module: SampleParticipantsModule,
      controllers: [InventoryHandlers, NotificationHandlers, PaymentHandlers, ShippingHandlers],
      providers: [
        { provide: INVENTORY_OPTIONS, useValue: options.inventory },
        { provide: NOTIFICATION_OPTIONS, useValue: options.notification },
        { provide: PAYMENT_OPTIONS, useValue: options.payment },
        { provide: SHIPPING_OPTIONS, useValue: options.shipping },
      ],
    };
  }
}
