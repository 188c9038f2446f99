import { Controller, Get, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiKeyDirectory, hashApiKey } from '../security/api-keys.js';
import { Authenticator } from '../security/authenticator.js';
import { RateLimiter } from '../security/rate-limiter.js';
import { AuthGuard } from './auth.guard.js';
import { configureHttp } from './configure-http.js';
import { PublicRoute, RequireRole } from './route-access.js';

const readerKey = 'reader-key-0123456789abcdef0123456789abcd';

@Controller('probe')
class ProbeController {
  @Get('undeclared')
  undeclared() {
    return { reached: true };
  }

  @Get('public')
  @PublicRoute()
  open() {
    return { reached: true };
  }

  @Get('read')
  @RequireRole('read')
  read() {
    return { reached: true };
  }

  @Get('operate')
  @RequireRole('operate')
  operate() {
    return { reached: true };
  }
}

@Controller('guarded-class')
@RequireRole('read')
class GuardedClassController {
  @Get()
  list() {
    return { reached: true };
  }
}

function appModule(limiter: RateLimiter) {
  const authenticator = new Authenticator({
    mode: 'closed',
    apiKeys: new ApiKeyDirectory([
      { id: 'r', client: 'reader', roles: ['read'], sha256: hashApiKey(readerKey), revoked: false },
    ]),
  });
  @Module({
    controllers: [ProbeController, GuardedClassController],
    providers: [
      {
        provide: APP_GUARD,
        useFactory: (reflector: Reflector) =>
          new AuthGuard(reflector, { authenticator, rateLimiter: limiter }),
        inject: [Reflector],
      },
    ],
  })
  class ProbeModule {}
  return ProbeModule;
}

describe('AuthGuard', () => {
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(
      appModule(new RateLimiter({ perSecond: 0.001, burst: 8 })),
      { logger: false },
    );
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(() => app.close());

  const get = (path: string, key?: string) =>
    fetch(`${url}${path}`, { headers: key ? { 'x-api-key': key } : {} });

  it('refuses a route that declares no role, even to a valid caller', async () => {
    const response = await get('/probe/undeclared', readerKey);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ message: 'this route declares no access rule' });
  });

  it('lets anyone through a public route', async () => {
    expect((await get('/probe/public')).status).toBe(200);
  });

  it('answers 401 with WWW-Authenticate without credentials, 403 without the role', async () => {
    const anonymous = await get('/probe/read');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer, ApiKey');
    expect((await get('/probe/operate', readerKey)).status).toBe(403);
    expect((await get('/probe/read', readerKey)).status).toBe(200);
    expect((await get('/guarded-class', readerKey)).status).toBe(200);
  });

  it('answers 429 with Retry-After once the client spent its budget', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 10; i++) {
      last = await get('/probe/read', readerKey);
      statuses.push(last.status);
    }
    expect(statuses).toContain(429);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
