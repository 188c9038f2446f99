// Imported first by main.ts: starts tracing (when the OTEL_* variables ask for it) before any
// other module loads kafkajs, so the Kafka client is instrumented.
import { startTracing } from '#tracing/bootstrap';

/** The coordinator process's tracing; shut it down last to flush the spans it holds. */
export const tracing = startTracing('saga-coordinator');
