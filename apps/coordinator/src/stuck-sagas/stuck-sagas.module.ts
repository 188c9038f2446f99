import { Module } from '@nestjs/common';
import { StuckSagasController } from './stuck-sagas.controller.js';
import { StuckSagasModuleBase } from './stuck-sagas.module-definition.js';

/**
 * The stuck-sagas listing, `GET /sagas/stuck`, over the source given to `register` or
 * `registerAsync`. Import it before the saga API: its route must be matched before
 * `GET /sagas/:id`.
 */
@Module({ controllers: [StuckSagasController] })
export class StuckSagasModule extends StuckSagasModuleBase {}
