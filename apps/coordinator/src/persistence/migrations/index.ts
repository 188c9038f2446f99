import { InitialSchema1764374400000 } from './1764374400000-initial-schema.js';
import { SagaTraceContext1764460800000 } from './1764460800000-saga-trace-context.js';

/** Every migration of the coordinator's schema, oldest first (listed, not globbed: ESM-safe). */
export const coordinatorMigrations = [InitialSchema1764374400000, SagaTraceContext1764460800000];
