import { Module, type DynamicModule } from '@nestjs/common';
import {
  STUCK_SAGAS_SOURCE,
  StuckSagasController,
  type StuckSagasSource,
} from './stuck-sagas.controller.js';

/**
 * The stuck-sagas listing, `GET /sagas/stuck`. Import it before the saga API: its route must
 * be matched before `GET /sagas/:id`.
 */
@Module({})
export class StuckSagasModule {
  static register(source: StuckSagasSource): DynamicModule {
    return {
      module: StuckSagasModule,
      controllers: [StuckSagasController],
      providers: [{ provide: STUCK_SAGAS_SOURCE, useValue: source }],
    };
  }
}
