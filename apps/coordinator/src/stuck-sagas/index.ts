export { StuckSagasModule } from './stuck-sagas.module.js';
export { countStuckSagas, listStuckSagas, type StuckSaga } from './stuck-sagas.postgres.js';
