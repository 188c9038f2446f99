// The whole coordinator app (AppModule: HTTP API, guard, runtime) in this process, on a schema
// of its own on the real Postgres, with the in-process broker and the sample participants, and
// the test credentials (test-credentials.ts) unless the overrides say otherwise.
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../../apps/coordinator/src/app.module.js';
import { configureHttp } from '../../apps/coordinator/src/http/index.js';
import { createSampleSagaRegistry } from '../../apps/coordinator/src/sagas/saga-catalog.js';
import { createEnvironment, type CoordinatorEnvironment } from './coordinator-fixture.js';
import { sampleParticipantsCompanion } from '../../apps/sample-participants/src/embedded-companion.js';

/** A running app and the environment it runs in. */
export interface SecuredApp {
  readonly url: string;
  readonly environment: CoordinatorEnvironment;
  close(): Promise<void>;
}

/**
 * Starts the app; `KAFKA_BROKERS` is cleared so that it runs on the in-process broker. With
 * `participants: false` no participant answers: its sagas stay running (for operator actions
 * on a running saga; the sample participants answer within milliseconds).
 */
export async function startSecuredApp(
  name: string,
  overrides: Record<string, string> = {},
  { participants = true }: { participants?: boolean } = {},
): Promise<SecuredApp> {
  const environment = await createEnvironment(name);
  const config = environment.config({
    KAFKA_BROKERS: '',
    ALLOW_PARTIAL_EMBEDDED: 'true',
    TIME_SCALE: participants ? '0.05' : '1',
    ...overrides,
  });
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({
      config,
      registry: createSampleSagaRegistry(),
      companions: participants ? [sampleParticipantsCompanion()] : [],
    }),
    { logger: false, abortOnError: false },
  );
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    url,
    environment,
    async close() {
      await app.close();
      await environment.dispose();
    },
  };
}
