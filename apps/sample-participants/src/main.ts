// The sample participants as their own process, over Kafka: `KAFKA_BROKERS=host:9092 node
// dist/apps/sample-participants/src/main.js`. With DATABASE_URL their idempotency keys and
// ledgers live in Postgres, a schema per participant; PARTICIPANTS picks some of them; FAULTS
// and PARTICIPANTS_ADMIN_PORT inject faults (see participants-config.ts); the standard OTEL_*
// variables turn tracing on. Tracing starts before anything imports kafkajs.
import { startTracing } from '../../coordinator/src/observability/tracing-bootstrap.js';

const tracing = await startTracing('sample-participants');
const { serveParticipants } = await import('./serve-participants.js');
await serveParticipants(tracing);
