// The whole coordinator app (AppModule: runtime, HTTP API, health) in the test's process, on an
// environment of the real services, listening on a free port of 127.0.0.1.
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import type { SagaRegistry } from '#saga-core';
import { AppModule } from '../../apps/coordinator/src/app.module.js';
import { configureHttp } from '../../apps/coordinator/src/http/index.js';
import type { CoordinatorEnvironment } from './coordinator-fixture.js';
import { orderInput } from './saga-load.js';
import { ADMIN_HEADERS } from './test-credentials.js';
import { waitFor } from './wait-for.js';
import { sampleParticipantsCompanion } from '../../apps/sample-participants/src/embedded-companion.js';

/** A running coordinator app and how to call it (as the test admin unless headers say otherwise). */
export interface CoordinatorApp {
  readonly url: string;
  request(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    options?: RequestOptions,
  ): Promise<Response>;
  /** One of the app's providers, by its class: to look at or nudge a part from the test. */
  provider<T>(type: Type<T>): T;
  close(): Promise<void>;
}

/** Options of {@link CoordinatorApp.request}. */
export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** Starts the app with `registry`, waits until it is ready (consumers joined). */
export async function startCoordinatorApp(
  environment: CoordinatorEnvironment,
  registry: SagaRegistry,
  overrides: Record<string, string> = {},
): Promise<CoordinatorApp> {
  const config = environment.config({ PORT: '0', ...overrides });
  const module = AppModule.forRoot({
    config,
    registry,
    companions: config.sampleParticipants ? [sampleParticipantsCompanion()] : [],
  });
  const app = await NestFactory.create<NestExpressApplication>(module, {
    logger: false,
    abortOnError: false,
  });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  // A change always goes as JSON (`{}` when it has nothing to say), as the API wants it.
  const request: CoordinatorApp['request'] = (method, path, options = {}) => {
    const body = options.body ?? (method === 'GET' ? undefined : {});
    return fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...ADMIN_HEADERS,
        ...options.headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  };
  try {
    await waitFor(
      'the coordinator to be ready',
      async () => (await request('GET', '/health/ready')).ok,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  } catch (error) {
    await app.close();
    throw error;
  }
  return {
    url,
    request,
    provider: (type) => app.get(type, { strict: false }),
    close: () => app.close(),
  };
}

/**
 * Starts an order saga (the sample input for `key`, which is also its idempotency key) with
 * `POST /sagas`; resolves with its id, and fails on any answer but 202.
 */
export async function startOrder(app: CoordinatorApp, key: string): Promise<string> {
  const response = await app.request('POST', '/sagas', {
    body: { sagaType: 'order', idempotencyKey: key, input: orderInput(key) },
  });
  if (response.status !== 202) {
    throw new Error(`POST /sagas answered ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { sagaId: string }).sagaId;
}
