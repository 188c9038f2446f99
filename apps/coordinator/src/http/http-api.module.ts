import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ParticipantsController } from './participants.controller.js';
import { SagaActionsController } from './saga-actions.controller.js';
import { SagasController } from './sagas.controller.js';

/** Where {@link HttpApiModule} finds `SAGA_OPERATIONS`, `SAGA_QUERIES` and `PARTICIPANT_HEALTH`. */
export interface HttpApiModuleOptions {
  /** Modules that export both tokens. */
  readonly imports?: ModuleMetadata['imports'];
  /** Or the providers of the tokens themselves. */
  readonly providers?: Provider[];
}

/**
 * The saga HTTP API: start, get, list, cancel, resume. Its controllers inject `SAGA_OPERATIONS`
 * and `SAGA_QUERIES`; call `configureHttp(app)` for the body limit, error answers and OpenAPI.
 */
@Module({})
export class HttpApiModule {
  /** The API over the operations and queries the options provide. */
  static register(options: HttpApiModuleOptions): DynamicModule {
    return {
      module: HttpApiModule,
      imports: options.imports ?? [],
      providers: options.providers ?? [],
      controllers: [SagasController, SagaActionsController, ParticipantsController],
    };
  }
}
