// The coordinator's entry point. Tracing starts first, before anything imports kafkajs, so the
// Kafka client is instrumented (see observability/tracing-bootstrap.ts); the rest loads after.
import { startTracing } from './observability/tracing-bootstrap.js';

const tracing = await startTracing('saga-coordinator');
const { serveCoordinator } = await import('./serve-coordinator.js');
await serveCoordinator(tracing);
