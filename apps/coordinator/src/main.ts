// Tracing first: it must be set up before any other module loads kafkajs.
import { tracing } from './tracing.js';
import 'reflect-metadata';
import { constants as osConstants } from 'node:os';
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
import { ConnectionDrain } from './http/connection-drain.js';
import { DefinitionLoadError, loadDefinitionDirectory } from '#definitions';
import { createSampleSagaRegistry } from './sagas/saga-catalog.js';
// The entry point composes the product with its samples; nothing else in the coordinator
// imports them (eslint.config.js).
import { sampleParticipantsCompanion } from '../../sample-participants/src/embedded-companion.js';
import { createHttpSecurity } from './http/create-http-security.js';
import { SchemaOutOfDateError } from './persistence/schema-migrations.js';
import { reloadApiKeys } from './runtime/reload-api-keys.js';
import {
  StartupPhases,
  StartupTimeoutError,
  stderrStartupLines,
} from './runtime/startup-phases.js';

/**
 * How long a shutdown may take before the process exits anyway: under the 60 s grace period of
 * the Kubernetes manifests, less their 5 s preStop pause.
 */
const SHUTDOWN_LIMIT_MS = 50_000;

/**
 * Starts the coordinator: validates the configuration, serves HTTP (JSON logs through pino),
 * stops cleanly on SIGTERM, flushing the spans still held.
 */
async function main(): Promise<void> {
  // Phase lines go to stderr at once: Nest holds its own logs until init() has ended.
  const startup = new StartupPhases(stderrStartupLines);
  // Stopped while starting (node as a container's PID 1 ignores a signal it has no handler
  // for): nothing was taken that a drain would finish, and what was is at least once anyway.
  const stopWhileStarting = (signal: NodeJS.Signals) => {
    startup.note(`${signal} during start-up: exiting`);
    process.exit(128 + osConstants.signals[signal]);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, stopWhileStarting);
  const config = loadCoordinatorConfig(process.env);
  startup.note(`config loaded (pid ${process.pid})`);
  const security = createHttpSecurity(config.security);
  const registry = createSampleSagaRegistry();
  if (config.definitionsDirectory !== undefined) {
    loadDefinitionDirectory(registry, config.definitionsDirectory);
  }
  startup.note(`${registry.list().length} saga definition(s) loaded`);
  const module = AppModule.forRoot({
    config,
    registry,
    companions: config.sampleParticipants ? [sampleParticipantsCompanion()] : [],
    security,
    startup,
  });
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bufferLogs: true,
    // A part that cannot be built rejects here, to the handler below, instead of exiting in Nest.
    abortOnError: false,
  });
  app.useLogger(app.get(PinoLogger));
  const drain = new ConnectionDrain();
  app.use(drain.middleware);
  configureHttp(app);
  await app.init(); // the runtime's phases: database, migrations, topics, consumers
  await startup.run(
    {
      name: 'HTTP listening',
      timeoutMs: config.startup.httpMs,
      setting: 'STARTUP_HTTP_TIMEOUT_MS',
    },
    () => app.listen(config.port, config.host),
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeListener(signal, stopWhileStarting);
    process.once(signal, () => {
      // Bounded: a stop that hangs (the database unreachable, say) exits rather than be killed
      // at the end of the grace period without a word.
      setTimeout(() => {
        console.error(`Shutdown did not end within ${SHUTDOWN_LIMIT_MS} ms: exiting`);
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS).unref();
      // close() stops taking requests, then runs the shutdown hooks: consumers finish their
      // batch in hand, timers and the relay finish their transaction, connections close.
      drain.begin(app.getHttpServer());
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
  // SIGHUP reads API_KEYS / API_KEYS_FILE again: revoking a key needs no restart.
  process.on('SIGHUP', () =>
    reloadApiKeys(security.authenticator, process.env, new Logger('Security')),
  );
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
  announceSecurity(config, logger);
  console.log(`Saga coordinator listening on ${url} (API docs: ${url}/docs, console: ${url}/ui/)`);
}

/** Says loudly what is open or ephemeral; never prints a key, a hash or a secret. */
function announceSecurity(config: CoordinatorConfig, logger: Logger): void {
  const { auth, encryption } = config.security;
  if (auth.mode === 'open') {
    const banner = '!'.repeat(78);
    logger.warn(
      `\n${banner}\n  AUTHENTICATION IS OFF: anyone who reaches this port can start, read, cancel\n` +
        `  and resume sagas, and register saga definitions. Fine for trying things out;\n` +
        `  set AUTH_MODE=closed and API_KEYS or JWT_* for anything else.\n${banner}`,
    );
  } else {
    const schemes = [
      ...(auth.apiKeys.length > 0 ? [`${auth.apiKeys.length} API key(s)`] : []),
      ...(auth.jwt ? [`JWT (${auth.jwt.algorithms.join(',')})`] : []),
    ];
    if (schemes.length === 0)
      logger.warn(
        'authentication on, but no API key nor JWT configured: every request but health is refused',
      );
    else logger.log(`authentication on: ${schemes.join(' and ')}`);
  }
  if (encryption === undefined) {
    logger.warn('sensitive fields are encrypted with a per-process key (embedded, in memory)');
  } else {
    logger.log(
      `sensitive fields encrypted with key ${encryption.activeKeyId} (${encryption.keys.size} key(s) known)`,
    );
  }
}

main().catch((error: unknown) => {
  const plain =
    error instanceof ConfigError ||
    error instanceof StartupTimeoutError ||
    error instanceof DefinitionLoadError ||
    error instanceof SchemaOutOfDateError;
  console.error(plain ? error.message : error);
  process.exit(1);
});
