// `GET /asyncapi.json` over a real socket, on the HTTP API as the coordinator composes it: the
// saga API's app-wide AuthGuard (closed, test keys) and the AsyncAPI controller beside it.
import { readFileSync } from 'node:fs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SAGA_OPERATIONS } from '../../../apps/coordinator/src/application/saga-operations.js';
import { SAGA_QUERIES } from '../../../apps/coordinator/src/application/saga-queries.js';
import { AsyncApiController } from '../../../apps/coordinator/src/asyncapi/asyncapi.controller.js';
import { coordinatorAsyncApi } from '../../../apps/coordinator/src/asyncapi/coordinator-asyncapi.js';
import { loadCoordinatorConfig } from '../../../apps/coordinator/src/config/coordinator-config.js';
import { createHttpSecurity } from '../../../apps/coordinator/src/http/create-http-security.js';
import { configureHttp, HttpApiModule } from '../../../apps/coordinator/src/http/index.js';
import { PARTICIPANT_HEALTH } from '../../../apps/coordinator/src/resilience/participant-health.js';
import { CONFIG_ONLY, TEST_SECURITY_ENV } from '../../support/test-credentials.js';

const ASYNCAPI_FILE = 'docs/asyncapi.json';

/** The saga API over providers no request here reaches, and the AsyncAPI controller. */
@Module({
  imports: [
    HttpApiModule.register({
      providers: [SAGA_OPERATIONS, SAGA_QUERIES, PARTICIPANT_HEALTH].map((token) => ({
        provide: token,
        useValue: {},
      })),
      security: createHttpSecurity(
        loadCoordinatorConfig({ ...CONFIG_ONLY, ...TEST_SECURITY_ENV }).security,
      ),
    }),
  ],
  controllers: [AsyncApiController],
})
class AsyncApiTestModule {}

describe('GET /asyncapi.json', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(AsyncApiTestModule, {
      logger: false,
      abortOnError: false,
    });
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('answers 200 with the committed document, without credentials', async () => {
    const response = await fetch(`${url}/asyncapi.json`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const served = await response.json();
    expect(served).toEqual(JSON.parse(readFileSync(ASYNCAPI_FILE, 'utf8')));
    expect(served).toEqual(coordinatorAsyncApi());
    // The same app refuses a saga route without credentials: the guard is on.
    expect((await fetch(`${url}/sagas`)).status).toBe(401);
  });

  it('is listed in the OpenAPI document, with no security requirement', async () => {
    const response = await fetch(`${url}/docs-json`);
    const openapi = (await response.json()) as {
      paths: Record<string, { get?: { tags?: string[]; summary?: string; security?: unknown } }>;
    };

    expect(openapi.paths['/asyncapi.json']?.get).toMatchObject({
      tags: ['contract'],
      summary: expect.stringContaining('AsyncAPI'),
      security: [],
    });
  });
});
