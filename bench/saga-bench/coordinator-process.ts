// The coordinator as the bench runs it: the real service (Nest app, HTTP API, runtime) with the
// bench saga (in TypeScript, or as its definition document with BENCH_SAGA_SOURCE=document)
// instead of the sample sagas, configured by the same environment variables as `npm start`. Tells its parent its URL, then 'ready' once its consumers have joined their groups.
import '../../apps/coordinator/src/tracing.js';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from '../../apps/coordinator/src/app.module.js';
import { loadCoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config.js';
import { configureHttp } from '../../apps/coordinator/src/http/index.js';
import { createBenchDocumentRegistry, createBenchRegistry } from './bench-saga.js';

async function main(): Promise<void> {
  const config = loadCoordinatorConfig(process.env);
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({
      config,
      // BENCH_SAGA_SOURCE=document: the same saga compiled from its definition document.
      registry:
        process.env.BENCH_SAGA_SOURCE === 'document'
          ? createBenchDocumentRegistry()
          : createBenchRegistry(),
    }),
    { bufferLogs: true, abortOnError: false },
  );
  app.useLogger(app.get(PinoLogger));
  configureHttp(app);
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  for (;;) {
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.send?.({ url });
  process.send?.('ready');
  process.once('SIGTERM', () => {
    void app.close().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
