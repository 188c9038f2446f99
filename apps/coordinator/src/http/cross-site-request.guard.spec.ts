import { Body, Controller, Get, HttpCode, Module, Post, Put } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { request as httpRequest } from 'node:http';
import { ApiKeyDirectory, hashApiKey } from '../security/api-keys.js';
import { Authenticator } from '../security/authenticator.js';
import { RateLimiter } from '../security/rate-limiter.js';
import { AcceptsBody } from './accepted-body-types.js';
import { configureHttp } from './configure-http.js';
import { httpApiGuards } from './http-api.module.js';
import { RequireRole } from './route-access.js';

const operatorKey = 'operator-key-0123456789abcdef0123456789ab';

/** What the probe's handlers were reached with, newest last. */
const reached: string[] = [];

@Controller('probe')
@RequireRole('operate')
class ProbeController {
  @Get()
  read() {
    reached.push('GET');
    return { reached: true };
  }

  @Post('replay')
  @HttpCode(200)
  replay() {
    reached.push('POST');
    return { reached: true };
  }

  @Put('document')
  @AcceptsBody('application/json', 'application/yaml')
  document(@Body() body: unknown) {
    reached.push(`PUT ${typeof body}`);
    return { reached: true };
  }
}

/** The probe behind the app's own guards, open (the embedded mode) or closed (API keys). */
async function startProbe(mode: 'open' | 'closed'): Promise<NestExpressApplication> {
  const authenticator =
    mode === 'open'
      ? new Authenticator({ mode: 'open' })
      : new Authenticator({
          mode: 'closed',
          apiKeys: new ApiKeyDirectory([
            {
              id: 'o',
              client: 'operator',
              roles: ['operate'],
              sha256: hashApiKey(operatorKey),
              revoked: false,
            },
          ]),
        });
  const rateLimiter = new RateLimiter({ perSecond: 1_000, burst: 1_000 });
  @Module({
    controllers: [ProbeController],
    providers: httpApiGuards({ authenticator, rateLimiter }),
  })
  class ProbeModule {}
  const app = await NestFactory.create<NestExpressApplication>(ProbeModule, { logger: false });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  return app;
}

interface Answer {
  readonly status: number;
  readonly message: string;
}

/** One request with exactly these headers (Host included), and no others but Content-Length. */
function send(
  app: NestExpressApplication,
  method: string,
  headers: Record<string, string>,
  body?: string,
  path = '/probe/replay',
): Promise<Answer> {
  const { port } = app.getHttpServer().address() as { port: number };
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { host: `127.0.0.1:${port}`, ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            message: (JSON.parse(text) as { message?: string }).message ?? '',
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('CrossSiteRequestGuard, in the open (no authentication) mode', () => {
  let app: NestExpressApplication;
  let own: string;

  beforeAll(async () => {
    app = await startProbe('open');
    own = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(() => app.close());

  beforeEach(() => reached.splice(0));

  const json = { 'content-type': 'application/json' };

  it('refuses a POST without a Content-Type, even with no body: a form could send it', async () => {
    const answer = await send(app, 'POST', {});
    expect(answer).toEqual({
      status: 415,
      message: 'a POST must carry Content-Type: application/json, even with no body (it has none)',
    });
    expect(reached).toEqual([]);
  });

  it("refuses the types a browser's form sends cross-site without asking, body or not", async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      const empty = await send(app, 'POST', { 'content-type': type });
      expect(empty.status).toBe(415);
      expect(empty.message).toContain(`(not ${type.split(';')[0]})`);
      const filled = await send(app, 'POST', { 'content-type': type }, 'originalTopic=saga.start');
      expect(filled.status).toBe(415);
    }
    expect(reached).toEqual([]);
  });

  it('takes JSON with no body or with one, and the types a route declares', async () => {
    expect((await send(app, 'POST', json)).status).toBe(200);
    expect(
      (await send(app, 'POST', { 'content-type': 'Application/JSON; charset=utf-8' }, '{}')).status,
    ).toBe(200);
    const yaml = await send(
      app,
      'PUT',
      { 'content-type': 'application/yaml' },
      'a: 1',
      '/probe/document',
    );
    expect(yaml.status).toBe(200);
    const text = await send(
      app,
      'PUT',
      { 'content-type': 'text/plain' },
      'a: 1',
      '/probe/document',
    );
    expect(text).toEqual({
      status: 415,
      message:
        'a PUT must carry Content-Type: application/json or application/yaml, even with no body (not text/plain)',
    });
    expect(reached).toEqual(['POST', 'POST', 'PUT string']);
  });

  it('refuses a change the browser says was sent cross-site, even as JSON', async () => {
    const answer = await send(app, 'POST', {
      ...json,
      'sec-fetch-site': 'cross-site',
      origin: own,
    });
    expect(answer.status).toBe(403);
    expect(answer.message).toContain('sent cross-site (Sec-Fetch-Site)');
    expect(answer.message).toContain('with no authentication');
    expect(reached).toEqual([]);
  });

  it('refuses a change from another origin, naming it and this server', async () => {
    const port = (app.getHttpServer().address() as { port: number }).port;
    const evil = await send(app, 'POST', { ...json, origin: 'https://evil.example' });
    expect(evil).toEqual({
      status: 403,
      message:
        `refused: sent from evil.example (Origin), not from this server (127.0.0.1:${port}); ` +
        'with no authentication, this coordinator takes changes from its own origin only',
    });
    // Same site, another port: another origin (a dev server next to it).
    const sibling = await send(app, 'POST', {
      ...json,
      origin: 'http://127.0.0.1:8080',
      'sec-fetch-site': 'same-site',
    });
    expect(sibling.status).toBe(403);
    const opaque = await send(app, 'POST', { ...json, origin: 'null' });
    expect(opaque.status).toBe(403);
    expect(opaque.message).toContain('sent from an opaque origin');
    expect(reached).toEqual([]);
  });

  it('takes a change from its own origin, whatever the case and default port, and one with no Origin', async () => {
    expect(
      (await send(app, 'POST', { ...json, origin: own, 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(200);
    const named = await send(app, 'POST', {
      ...json,
      host: 'Coordinator.Local',
      origin: 'http://coordinator.local:80',
    });
    expect(named.status).toBe(200);
    // curl, sagactl: no Origin, no Sec-Fetch-Site.
    expect((await send(app, 'POST', json)).status).toBe(200);
    expect(reached).toEqual(['POST', 'POST', 'POST']);
  });

  it('leaves reads alone: a page may not read the answer anyway', async () => {
    const read = await send(
      app,
      'GET',
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      undefined,
      '/probe',
    );
    expect(read.status).toBe(200);
  });
});

describe('CrossSiteRequestGuard, in the closed mode', () => {
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await startProbe('closed');
  });

  afterAll(() => app.close());

  it('wants JSON on a change with a body, after the credentials are checked; none without', async () => {
    const key = { 'x-api-key': operatorKey };
    expect((await send(app, 'POST', {})).status).toBe(401);
    expect((await send(app, 'POST', key)).status).toBe(200);
    const form = { ...key, 'content-type': 'application/x-www-form-urlencoded' };
    expect((await send(app, 'POST', form, 'reason=x')).status).toBe(415);
    expect((await send(app, 'POST', { ...key, 'content-type': 'text/plain' }, '{}')).status).toBe(
      415,
    );
    const json = { ...key, 'content-type': 'application/json' };
    expect((await send(app, 'POST', json, '{}')).status).toBe(200);
  });

  it('leaves Origin to the credentials: a page cannot send them, and a proxy may rewrite Host', async () => {
    const answer = await send(app, 'POST', {
      'x-api-key': operatorKey,
      'content-type': 'application/json',
      origin: 'https://console.example',
    });
    expect(answer.status).toBe(200);
  });
});
