import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { ConfigError, loadCoordinatorConfig } from './config/coordinator-config.js';

/** Starts the coordinator: validates the configuration, serves HTTP, stops cleanly on SIGTERM. */
async function main(): Promise<void> {
  const config = loadCoordinatorConfig(process.env);
  const app = await NestFactory.create(AppModule.forConfig(config), { bufferLogs: false });
  await app.listen(config.port, config.host);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // Close stops taking requests and runs every module's shutdown hook before exiting.
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('Shutdown failed', error);
          process.exit(1);
        },
      );
    });
  }
  console.log(`Saga coordinator listening on ${await app.getUrl()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
