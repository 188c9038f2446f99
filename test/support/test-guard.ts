// Puts a module of the API behind the coordinator's AuthGuard with the test credentials, for
// tests that mount one module without the whole HTTP API (which registers the guard itself).
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { loadCoordinatorConfig } from '../../apps/coordinator/src/config/coordinator-config.js';
import { AuthGuard } from '../../apps/coordinator/src/http/auth.guard.js';
import { createHttpSecurity } from '../../apps/coordinator/src/http/create-http-security.js';
import { CONFIG_ONLY, TEST_SECURITY_ENV } from './test-credentials.js';

@Module({})
class GuardedTestModule {}

/** `inner`, with every route guarded as in the app (test keys and tokens). */
export function withTestGuard(inner: DynamicModule): DynamicModule {
  const security = createHttpSecurity(
    loadCoordinatorConfig({ ...CONFIG_ONLY, ...TEST_SECURITY_ENV }).security,
  );
  return {
    module: GuardedTestModule,
    imports: [inner],
    providers: [
      {
        provide: APP_GUARD,
        useFactory: (reflector: Reflector) => new AuthGuard(reflector, security),
        inject: [Reflector],
      },
    ],
  };
}
