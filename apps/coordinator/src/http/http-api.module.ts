import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { AuthGuard, type HttpSecurity } from './auth.guard.js';
import { CrossSiteRequestGuard } from './cross-site-request.guard.js';
import { KnownQueryGuard } from './known-query.guard.js';
import { ParticipantsController } from './participants.controller.js';
import { SagaActionsController } from './saga-actions.controller.js';
import { SagasController } from './sagas.controller.js';

/** Where {@link HttpApiModule} finds `SAGA_OPERATIONS`, `SAGA_QUERIES` and `PARTICIPANT_HEALTH`, and how it guards. */
export interface HttpApiModuleOptions {
  /** Modules that export both tokens. */
  readonly imports?: ModuleMetadata['imports'];
  /** Or the providers of the tokens themselves. */
  readonly providers?: Provider[];
  /** Authentication and rate limits, applied to every route of the app (see httpApiGuards). */
  readonly security: HttpSecurity;
}

/**
 * The guards every route of the app passes, in this order: who calls and may they
 * (AuthGuard), then whether a browser could have sent a change from another site
 * (CrossSiteRequestGuard; its origin checks only when `security` lets anyone in), then
 * whether an API route that reads no query string was sent one (KnownQueryGuard).
 */
export function httpApiGuards(security: HttpSecurity): Provider[] {
  return [
    {
      provide: APP_GUARD,
      useFactory: (reflector: Reflector) => new AuthGuard(reflector, security),
      inject: [Reflector],
    },
    {
      provide: APP_GUARD,
      useFactory: (reflector: Reflector) =>
        new CrossSiteRequestGuard(reflector, security.authenticator.isOpen),
      inject: [Reflector],
    },
    {
      provide: APP_GUARD,
      useFactory: (reflector: Reflector) => new KnownQueryGuard(reflector),
      inject: [Reflector],
    },
  ];
}

/**
 * The saga HTTP API: start, get, list, cancel, resume. Its controllers inject `SAGA_OPERATIONS`
 * and `SAGA_QUERIES`; call `configureHttp(app)` for the body limit, error answers and OpenAPI.
 * It installs {@link httpApiGuards} app-wide: every route of the app must declare its access
 * rule, and every change must come as JSON (from the server's own origin, when open).
 */
@Module({})
export class HttpApiModule {
  /** The API over the operations and queries the options provide. */
  static register(options: HttpApiModuleOptions): DynamicModule {
    return {
      module: HttpApiModule,
      imports: options.imports ?? [],
      providers: [...(options.providers ?? []), ...httpApiGuards(options.security)],
      controllers: [SagasController, SagaActionsController, ParticipantsController],
    };
  }
}
