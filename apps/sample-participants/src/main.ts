// The sample participants as their own process, over Kafka: `KAFKA_BROKERS=host:9092 node
// dist/apps/sample-participants/src/main.js`. With DATABASE_URL their idempotency keys and
// ledgers live in Postgres, a schema per participant; PARTICIPANTS picks some of them; FAULTS
// and PARTICIPANTS_ADMIN_PORT inject faults (see participants-config.ts); the OTEL_* variables
// turn tracing on, LOG_LEVEL and LOG_REDACT_PATHS shape the JSON logs.
// Tracing first: it must be set up before any other module loads kafkajs.
import { tracing } from './tracing.js';
import { Logger } from '@nestjs/common';
import type CircuitBreaker from 'opossum';
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { loadKafkaSecurity, KafkaTransport, kafkaSecurityOptions } from '#messaging';
import { describeError } from '#errors';
import { createJsonLogger } from '#logging';
import { startFaultAdminServer } from './faults/fault-admin-server.js';
import { FaultInjector } from './faults/fault-injector.js';
import { seededRandom } from './faults/seeded-random.js';
import { DEFAULT_NOTIFICATION_CHANNELS_CONFIG, simulatedChannel } from './notification-channels.js';
import { emailWithSmsFallback } from './notification-dispatcher.js';
import { DEFAULT_GATEWAY_CONFIG, guardGateway, simulatedGateway } from './payment-gateway.js';
import { nestJsonLogger } from './nest-json-logger.js';
import { loadParticipantsConfig, ParticipantsConfigError } from './participants-config.js';
import { sampleParticipantTopics, startSampleParticipants } from './sample-participants.js';

/**
 * Creates the command topics, starts the participants, stops them cleanly on SIGTERM (flushing
 * the spans still held).
 */
async function main(): Promise<void> {
  // Stopped while starting (node as a container's PID 1 ignores a signal it has no handler for,
  // and the first join may take long, or be refused for good): nothing was taken that a drain
  // would finish, and an unanswered command is sent again.
  const stopWhileStarting = (signal: NodeJS.Signals) => {
    console.error(`${signal} during start-up: exiting`);
    process.exit(128 + osConstants.signals[signal]);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, stopWhileStarting);
  const config = loadParticipantsConfig(process.env);
  const logger = createJsonLogger({ level: config.logLevel, redactPaths: config.logRedactPaths });
  // The participants are a Nest application: its own lines become JSON lines too.
  Logger.overrideLogger(nestJsonLogger(logger));
  const seed = config.faultSeed ?? Math.floor(Math.random() * 2 ** 31);
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const faults = new FaultInjector(config.faults ?? {}, {
    random: seededRandom(seed),
    sleep,
    crash: (participant) => {
      // The effect and its outcome are committed; the reply is never sent.
      logger.log('warn', 'Injected crash after commit', { participant });
      process.exit(86);
    },
  });
  // Each simulated provider draws from its own seed, so one does not shift another's draws.
  const gatewayConfig = config.paymentGateway ?? DEFAULT_GATEWAY_CONFIG;
  const gateway = guardGateway(
    simulatedGateway(gatewayConfig, { random: seededRandom(seed ^ 0x9e3779b9), sleep }),
    gatewayConfig.breaker,
  );
  const channels = config.notificationChannels ?? DEFAULT_NOTIFICATION_CHANNELS_CONFIG;
  const dispatcher = emailWithSmsFallback(
    {
      email: simulatedChannel('email', channels.email, {
        random: seededRandom(seed ^ 0x85ebca6b),
        sleep,
      }),
      sms: simulatedChannel('sms', channels.sms, {
        random: seededRandom(seed ^ 0xc2b2ae35),
        sleep,
      }),
    },
    channels.breaker,
  );
  logBreakerStates(logger, gateway.breaker, 'payment', "The payment gateway's");
  logBreakerStates(logger, dispatcher.breaker, 'notification', "The email provider's");
  const transport = new KafkaTransport(
    {
      brokers: config.kafkaBrokers,
      clientId: 'sample-participants',
      // The same KAFKA_SSL* and KAFKA_SASL_* variables as the coordinator.
      ...kafkaSecurityOptions(loadKafkaSecurity(process.env, (path) => readFileSync(path, 'utf8'))),
    },
    { logger },
  );
  await transport.administrator.ensureTopics(
    sampleParticipantTopics(config.topicPrefix, config.topicPartitions),
  );
  const participants = await startSampleParticipants({
    consumerFactory: () => transport.createConsumer(),
    publisher: transport.publisher,
    topicPrefix: config.topicPrefix,
    logger,
    ...(config.databaseUrl === undefined
      ? {}
      : {
          database: {
            url: config.databaseUrl,
            schemaPrefix: config.schemaPrefix ?? '',
            idempotencyRetentionMs: config.idempotencyRetentionMs,
            timeouts: config.databaseTimeouts,
            onPoolError: (error: Error) =>
              logger.log('warn', 'An idle database connection failed', { error: error.message }),
            onRetry: (error: unknown) =>
              logger.log('warn', 'The database is unavailable at start-up; trying again', {
                error: describeError(error),
              }),
          },
        }),
    ...(config.participants === undefined ? {} : { only: config.participants }),
    dedupe: config.dedupe ?? true,
    payment: { gateway },
    notification: { dispatcher },
    wrapHandlers: (participant, handlers) => faults.wrapHandlers(participant, handlers),
    interceptReply: (participant) => faults.replyInterceptor(participant),
  }).catch(async (error: unknown) => {
    await transport.close();
    throw error;
  });
  const admin =
    config.adminPort === undefined
      ? undefined
      : await startFaultAdminServer(faults, config.adminPort);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeListener(signal, stopWhileStarting);
    process.once(signal, () => {
      // Finish the batches in hand (their replies included), leave the groups, close the producer.
      admin?.server.close();
      participants
        .stop()
        .then(() => transport.close())
        .then(() => tracing.shutdown())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            console.error('Shutdown failed', error);
            process.exit(1);
          },
        );
    });
  }
  logger.log('info', 'Sample participants are consuming their commands', {
    ...transport.describe(),
    topicPrefix: config.topicPrefix,
    participants: config.participants ?? 'all',
    storage: config.databaseUrl === undefined ? 'memory' : 'postgres',
    dedupe: config.dedupe ?? true,
    faultSeed: seed,
    ...(admin === undefined ? {} : { adminUrl: `http://127.0.0.1:${admin.port}/faults` }),
  });
}

/** Logs each change of `breaker`'s state as a warning of `participant`. */
function logBreakerStates(
  logger: ReturnType<typeof createJsonLogger>,
  breaker: CircuitBreaker,
  participant: string,
  whose: string,
): void {
  const log = (state: string) => () =>
    logger.log('warn', `${whose} circuit breaker is ${state}`, { participant });
  breaker.on('open', log('open'));
  breaker.on('halfOpen', log('half-open'));
  breaker.on('close', log('closed'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ParticipantsConfigError ? error.message : error);
  process.exit(1);
});
