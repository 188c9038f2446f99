import { topicNames } from '#contracts';
import type { EffectLedger } from './effect-ledger.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';
import {
  createInventoryService,
  INVENTORY,
  type InventoryOptions,
  type InventoryService,
} from './inventory.handlers.js';
import {
  createNotificationService,
  NOTIFICATION,
  type NotificationService,
} from './notification.handlers.js';
import { jsonLinesParticipantLogger, type ParticipantLogger } from './participant-logger.js';
import { startParticipantRuntime, type ParticipantRuntime } from './participant-runtime.js';
import {
  createPaymentService,
  PAYMENT,
  type PaymentOptions,
  type PaymentService,
} from './payment.handlers.js';
import type { SampleService } from './sample-service.js';
import { createShippingService, SHIPPING, type ShippingService } from './shipping.handlers.js';
import type { MessageConsumer, MessagePublisher, TopicSpec } from '#saga-core';

/** The names of the sample participants, sorted. */
export const SAMPLE_PARTICIPANT_NAMES = [INVENTORY, NOTIFICATION, PAYMENT, SHIPPING] as const;

/** One of the sample participants. */
export type SampleParticipantName = (typeof SAMPLE_PARTICIPANT_NAMES)[number];

/** How to start the sample participants. */
export interface SampleParticipantsOptions {
  /** Makes a new, unstarted consumer; called once per participant. */
  readonly consumerFactory: (participant: SampleParticipantName) => MessageConsumer;
  readonly publisher: MessagePublisher;
  /** Environment prefix of every topic name (default none). */
  readonly topicPrefix?: string;
  /** Makes each participant's store (default: a new InMemoryIdempotencyStore each). */
  readonly idempotencyStoreFactory?: (participant: SampleParticipantName) => IdempotencyStore;
  /** The clock of replies and ledgers (default: the system clock). */
  readonly now?: () => Date;
  /** Default: JSON lines on stdout/stderr. */
  readonly logger?: ParticipantLogger;
  /** Starting stock (default DEFAULT_STOCK). */
  readonly inventory?: Pick<InventoryOptions, 'stock'>;
  /** Decline limit (default 10 000). */
  readonly payment?: Pick<PaymentOptions, 'declineAbove'>;
}

/** The sample services, by participant name. */
export interface SampleServices {
  readonly inventory: InventoryService;
  readonly notification: NotificationService;
  readonly payment: PaymentService;
  readonly shipping: ShippingService;
}

/** The running sample participants. */
export interface SampleParticipants {
  /** The services, to look at their state (stock, authorizations, shipments, messages). */
  readonly services: SampleServices;
  /** Each participant's ledger of applied effects. */
  readonly ledgers: Readonly<Record<SampleParticipantName, EffectLedger>>;
  /** Stops every participant (each finishes its batch in hand). Idempotent. */
  stop(): Promise<void>;
}

/** The topics the sample participants read: each `<prefix><participant>.commands` and its `.dlq`. */
export function sampleParticipantTopics(topicPrefix = '', partitions = 3): TopicSpec[] {
  const topics = topicNames(topicPrefix);
  return SAMPLE_PARTICIPANT_NAMES.flatMap((participant) => {
    const commands = topics.commands(participant);
    return [
      { topic: commands, partitions },
      { topic: topics.deadLetter(commands), partitions },
    ];
  });
}

/**
 * Starts inventory, notification, payment and shipping on the given transport (in-memory in the
 * embedded mode, Kafka in their own process); their topics must exist (sampleParticipantTopics).
 * Resolves once every consumer has joined its group; if one fails, the others are stopped.
 */
export async function startSampleParticipants(
  options: SampleParticipantsOptions,
): Promise<SampleParticipants> {
  const clock = options.now === undefined ? {} : { now: options.now };
  const services: SampleServices = {
    inventory: createInventoryService({ ...clock, ...options.inventory }),
    notification: createNotificationService(clock),
    payment: createPaymentService({ ...clock, ...options.payment }),
    shipping: createShippingService(clock),
  };
  const started = await Promise.allSettled(
    SAMPLE_PARTICIPANT_NAMES.map((name) => startOne(options, name, services[name])),
  );
  const runtimes = started.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const stop = async () => {
    await Promise.all(runtimes.map((runtime) => runtime.stop()));
  };
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  const ledgers = {
    inventory: services.inventory.ledger,
    notification: services.notification.ledger,
    payment: services.payment.ledger,
    shipping: services.shipping.ledger,
  };
  return { services, ledgers, stop };
}

function startOne(
  options: SampleParticipantsOptions,
  participant: SampleParticipantName,
  service: SampleService,
): Promise<ParticipantRuntime> {
  return startParticipantRuntime({
    participant,
    handlers: service.handlers,
    consumer: options.consumerFactory(participant),
    publisher: options.publisher,
    topicPrefix: options.topicPrefix ?? '',
    idempotencyStore:
      options.idempotencyStoreFactory?.(participant) ?? new InMemoryIdempotencyStore(),
    logger: options.logger ?? jsonLinesParticipantLogger,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}
