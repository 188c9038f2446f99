// Tracing first: it must be set up before any other module loads kafkajs.
import { tracing } from './tracing.js';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import {
  ConfigError,
  loadCoordinatorConfig,
  type CoordinatorConfig,
} from './config/coordinator-config.js';
import { configureHttp } from './http/index.js';
import { createSampleSagaRegistry, SAMPLE_PARTICIPANTS } from './sagas/saga-catalog.js';

/**
 * Starts the coordinator: validates the configuration, serves HTTP (JSON logs through pino),
 * stops cleanly on SIGTERM, flushing the spans still held.
 */
async function main(): Promise<void> {
  const config = loadCoordinatorConfig(process.env);
  const module = AppModule.forRoot({
    config,
    registry: createSampleSagaRegistry(),
    participants: SAMPLE_PARTICIPANTS,
  });
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  configureHttp(app);
  await app.listen(config.port, config.host);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // close() stops taking requests, then runs the shutdown hooks: consumers finish their
      // batch in hand, timers and the relay finish their transaction, connections close.
      app
        .close()
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
  announce(config, await app.getUrl());
}

function announce(config: CoordinatorConfig, url: string): void {
  const logger = new Logger('Coordinator');
  const database = config.databaseUrl
    ? 'Postgres'
    : `embedded Postgres (PGlite, ${config.embeddedDataDir ?? 'in memory'})`;
  const broker = config.kafkaBrokers
    ? `Kafka at ${config.kafkaBrokers.join(',')}`
    : 'the in-process broker';
  logger.log(`using ${database} and ${broker}`);
  if (!config.databaseUrl || !config.kafkaBrokers) {
    logger.warn(
      'embedded mode: for trying things out, not for production (set DATABASE_URL and KAFKA_BROKERS)',
    );
  }
  console.log(`Saga coordinator listening on ${url} (API docs: ${url}/docs)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
