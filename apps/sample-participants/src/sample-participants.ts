import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { topicNames } from '#contracts';
import type { Database, DatabaseTimeouts, RetentionLoop } from '#postgres';
import type { EffectLedger } from './effect-ledger.js';
import { memoryRecordStore, postgresRecordStore, type RecordStore } from './business-records.js';
import { EffectsTable1764633600001 } from './effects-table.migration.js';
import { RecordsTable1765000000000 } from './records-table.migration.js';
import {
  type CommandHandlers,
  idempotencyRetention,
  type IdempotencyStore,
  InMemoryIdempotencyStore,
  jsonLinesParticipantLogger,
  openParticipantDatabase,
  type ParticipantLogger,
  PostgresIdempotencyStore,
  type ReplyInterceptor,
  SagaParticipantServer,
} from '#saga-participant';
import { INVENTORY, InventoryHandlers, type InventoryOptions } from './inventory.handlers.js';
import {
  NOTIFICATION,
  NotificationHandlers,
  type NotificationOptions,
} from './notification.handlers.js';
import { DEFAULT_NOTIFICATION_CHANNELS_CONFIG, simulatedChannel } from './notification-channels.js';
import { emailWithSmsFallback } from './notification-dispatcher.js';
import { PAYMENT, PaymentHandlers, type PaymentOptions } from './payment.handlers.js';
import { DEFAULT_GATEWAY_CONFIG, guardGateway, simulatedGateway } from './payment-gateway.js';
import { SampleParticipantsModule } from './sample-participants.module.js';
import { SHIPPING, ShippingHandlers } from './shipping.handlers.js';
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
  /**
   * Decline limit (default 10 000) and the external gateway (default: a simulated gateway that
   * always answers, behind a circuit breaker with the default options; see payment-gateway.ts).
   */
  readonly payment?: Pick<PaymentOptions, 'declineAbove' | 'gateway'>;
  /**
   * How messages go out (default: simulated email and SMS that always answer, email behind a
   * circuit breaker with the default options, SMS its fallback; see notification-dispatcher.ts).
   */
  readonly notification?: Pick<NotificationOptions, 'dispatcher'>;
  /**
   * Postgres for the idempotency keys and the `effects` ledgers, a schema per participant
   * (default: none, everything in memory). Takes precedence over idempotencyStoreFactory.
   */
  readonly database?: SampleDatabaseOptions;
  /** Which participants to start (default all): one per process in the chaos battery. */
  readonly only?: readonly SampleParticipantName[];
  /** False turns the kit's deduplication off, to prove the checker catches it (default true). */
  readonly dedupe?: boolean;
  /** Wraps each participant's handlers (fault injection; default: as they are). */
  readonly wrapHandlers?: (
    participant: SampleParticipantName,
    handlers: CommandHandlers,
  ) => CommandHandlers;
  /** Rewrites each participant's replies (fault injection; default: none). */
  readonly interceptReply?: (participant: SampleParticipantName) => ReplyInterceptor | undefined;
}

/** Where the sample participants keep their state in Postgres. */
export interface SampleDatabaseOptions {
  /** A `postgres://` connection string. */
  readonly url: string;
  /** Each participant's schema is `<schemaPrefix><participant>` (default `participant_`). */
  readonly schemaPrefix?: string;
  /** Pool size per participant (default 5). */
  readonly poolSize?: number;
  /**
   * How long answered idempotency records are kept before the background job deletes them, in
   * ms (default 7 days; see idempotencyRetention).
   */
  readonly idempotencyRetentionMs?: number;
  /** Timeouts and keep-alive of every connection (default DEFAULT_DATABASE_TIMEOUTS). */
  readonly timeouts?: DatabaseTimeouts;
  /** Hears the errors of idle connections (default: a process warning). */
  readonly onPoolError?: (error: Error) => void;
  /** Hears each failure that opening the database tries again after (default: nothing). */
  readonly onRetry?: (error: unknown) => void;
}

/** The sample participants' controllers (their handlers and state), by participant name. */
export interface SampleServices {
  readonly inventory: InventoryHandlers;
  readonly notification: NotificationHandlers;
  readonly payment: PaymentHandlers;
  readonly shipping: ShippingHandlers;
}

/** The running sample participants. */
export interface SampleParticipants {
  /** The services, to look at their state (stock, authorizations, shipments, messages). */
  readonly services: SampleServices;
  /** Each participant's ledger of applied effects (in Postgres mode: what this process applied). */
  readonly ledgers: Readonly<Record<SampleParticipantName, EffectLedger>>;
  /** In Postgres mode, each started participant's database (its `effects` table is the ledger). */
  readonly databases: Partial<Record<SampleParticipantName, Database>>;
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
 * They are the controllers of one Nest application, each participant served by its own
 * SagaParticipantServer. Resolves once every consumer has joined its group; if one fails, the
 * others are stopped.
 */
export async function startSampleParticipants(
  options: SampleParticipantsOptions,
): Promise<SampleParticipants> {
  const clock = options.now === undefined ? {} : { now: options.now };
  const defaultGateway = guardGateway(simulatedGateway(DEFAULT_GATEWAY_CONFIG));
  const channels = DEFAULT_NOTIFICATION_CHANNELS_CONFIG;
  const defaultDispatcher = emailWithSmsFallback(
    {
      email: simulatedChannel('email', channels.email),
      sms: simulatedChannel('sms', channels.sms),
    },
    channels.breaker,
  );
  const names = SAMPLE_PARTICIPANT_NAMES.filter((name) => options.only?.includes(name) ?? true);
  const databases: Partial<Record<SampleParticipantName, Database>> = {};
  const retention: RetentionLoop[] = [];
  const opened = await Promise.allSettled(
    names.map(async (name) => {
      if (options.database === undefined) return;
      const database = await openSampleDatabase(options.database, name);
      databases[name] = database;
      const retentionMs = options.database.idempotencyRetentionMs;
      const loop = idempotencyRetention(database, {
        ...(retentionMs === undefined ? {} : { retentionMs }),
      });
      retention.push(loop);
      loop.start();
    }),
  );
  // In Postgres mode the business records live in the participant's schema, beside its ledger.
  const stores = Object.fromEntries(
    SAMPLE_PARTICIPANT_NAMES.map((name) => {
      const database = databases[name];
      return [name, database ? postgresRecordStore(database) : memoryRecordStore()];
    }),
  ) as Record<SampleParticipantName, RecordStore>;
  const module = SampleParticipantsModule.register({
    inventory: { ...clock, ...options.inventory, records: stores.inventory },
    notification: { ...clock, dispatcher: options.notification?.dispatcher ?? defaultDispatcher },
    payment: {
      ...clock,
      ...options.payment,
      gateway: options.payment?.gateway ?? defaultGateway,
      records: stores.payment,
    },
    shipping: { ...clock, records: stores.shipping },
  });
  let app: INestApplication | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await app?.close(); // each server finishes its batch in hand and leaves its group
      await Promise.all(retention.map((loop) => loop.stop()));
      await Promise.all(Object.values(databases).map((db) => db.close()));
      defaultGateway.breaker.shutdown();
      defaultDispatcher.breaker.shutdown();
      for (const name of names) delete databases[name];
    })());
  try {
    // abortOnError: a part that cannot be built rejects here instead of exiting the process.
    app = await NestFactory.create(module, { abortOnError: false });
    const failed = opened.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    await Promise.all(names.map((name) => stores[name].ready()));
    for (const name of names) {
      app.connectMicroservice({
        strategy: sampleParticipantServer(options, name, databases[name]),
      });
    }
    await app.init();
    await app.startAllMicroservices();
  } catch (error) {
    await stop();
    throw error;
  }
  const started = app;
  const services: SampleServices = {
    inventory: started.get(InventoryHandlers),
    notification: started.get(NotificationHandlers),
    payment: started.get(PaymentHandlers),
    shipping: started.get(ShippingHandlers),
  };
  const ledgers = {
    inventory: services.inventory.ledger,
    notification: services.notification.ledger,
    payment: services.payment.ledger,
    shipping: services.shipping.ledger,
  };
  return { services, ledgers, databases, stop };
}

/** Opens `participant`'s schema and applies the kit's and the ledger's migrations. */
export function openSampleDatabase(
  database: SampleDatabaseOptions,
  participant: SampleParticipantName,
): Promise<Database> {
  return openParticipantDatabase({
    url: database.url,
    schema: `${database.schemaPrefix ?? 'participant_'}${participant}`,
    migrations: [EffectsTable1764633600001, RecordsTable1765000000000],
    ...(database.poolSize === undefined ? {} : { poolSize: database.poolSize }),
    ...(database.timeouts === undefined ? {} : { timeouts: database.timeouts }),
    ...(database.onPoolError === undefined ? {} : { onPoolError: database.onPoolError }),
    ...(database.onRetry === undefined ? {} : { onRetry: database.onRetry }),
    applicationName: `saga-participant-${participant}`,
  });
}

/** The transport of one participant, with the store, faults and logger `options` ask for. */
function sampleParticipantServer(
  options: SampleParticipantsOptions,
  participant: SampleParticipantName,
  database: Database | undefined,
): SagaParticipantServer {
  const dedupe = { dedupe: options.dedupe ?? true };
  const idempotencyStore =
    database !== undefined
      ? new PostgresIdempotencyStore(database, dedupe)
      : (options.idempotencyStoreFactory?.(participant) ?? new InMemoryIdempotencyStore(dedupe));
  const interceptReply = options.interceptReply?.(participant);
  const { wrapHandlers } = options;
  return new SagaParticipantServer({
    participant,
    consumer: options.consumerFactory(participant),
    publisher: options.publisher,
    topicPrefix: options.topicPrefix ?? '',
    idempotencyStore,
    ...(interceptReply === undefined ? {} : { interceptReply }),
    ...(wrapHandlers === undefined
      ? {}
      : { wrapHandlers: (handlers: CommandHandlers) => wrapHandlers(participant, handlers) }),
    logger: options.logger ?? jsonLinesParticipantLogger,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
}
