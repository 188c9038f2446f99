import { createRequire } from 'node:module';
import type { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import type { NodeSDK } from '@opentelemetry/sdk-node';

const require = createRequire(import.meta.url);

/** A running tracing SDK; `shutdown` flushes the spans still buffered. */
export interface TracingHandle {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * True when the standard `OTEL_*` variables ask for traces: an OTLP endpoint, or an explicit
 * `OTEL_TRACES_EXPORTER` other than `none`. `OTEL_SDK_DISABLED=true` wins over both.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Longest span attribute value kept when the environment sets no limit, in characters (the SDK
 * keeps any length): a header or record key copied into an attribute is cut there, so one huge
 * message cannot fill the export queue nor have a whole export batch refused by the collector.
 */
export const DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT = 1_024;

/**
 * The span limits to give the SDK: an attribute value length limit of
 * {@link DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT} unless `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`
 * or `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` sets one (the SDK reads those itself).
 */
export function spanLimitsOf(env: NodeJS.ProcessEnv): { attributeValueLengthLimit?: number } {
  const configured = [
    env.OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT,
    env.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  ].some((value) => value !== undefined && value.trim() !== '');
  return configured ? {} : { attributeValueLengthLimit: DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT };
}

/**
 * Starts the OpenTelemetry NodeSDK for `serviceName` when the environment asks for traces
 * (exporter, endpoint, protocol, sampler and span limits all come from the standard `OTEL_*`
 * variables; attribute values are cut as spanLimitsOf says); otherwise the API stays a no-op. Call it before anything imports kafkajs: it requires kafkajs
 * itself so the instrumentation's CommonJS hook patches it, and later ESM imports of kafkajs
 * get that patched module from the require cache. Synchronous, so that a module importing it
 * first is done before its siblings load; the SDK is loaded only when it is used.
 */
export function startTracing(serviceName: string, env = process.env): TracingHandle {
  if (!tracingRequested(env)) return { enabled: false, shutdown: async () => undefined };
  // Only traces: metrics are served by prom-client on /metrics, logs go to stdout.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const { NodeSDK: Sdk } = require('@opentelemetry/sdk-node') as { NodeSDK: typeof NodeSDK };
  const { KafkaJsInstrumentation: Kafka } = require('@opentelemetry/instrumentation-kafkajs') as {
    KafkaJsInstrumentation: typeof KafkaJsInstrumentation;
  };
  const sdk = new Sdk({
    serviceName: env.OTEL_SERVICE_NAME ?? serviceName,
    instrumentations: [new Kafka()],
    spanLimits: spanLimitsOf(env),
  });
  sdk.start();
  require('kafkajs');
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
