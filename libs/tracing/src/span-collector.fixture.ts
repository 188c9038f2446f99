import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  TracerProvider,
  type ReadableSpan,
  type SpanLimits,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

/**
 * A span processor that keeps every span as it ends, synchronously (the SDK's exporting
 * processors are asynchronous): for tests that read the spans the code under test made.
 * `ended` is one array for the collector's life; `clear` empties it.
 */
export class SpanCollector implements SpanProcessor {
  readonly ended: ReadableSpan[] = [];

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
  }

  clear(): void {
    this.ended.length = 0;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** What {@link installGlobalTracing} registers besides the tracer provider. */
export interface GlobalTracingOptions {
  /** The W3C trace-context propagator (traceparent headers). */
  readonly propagator?: boolean;
  /** An async-hooks context manager (spans made active across awaits). */
  readonly contextManager?: boolean;
}

/** A tracer provider feeding `collector` (not registered). */
export function tracerProviderFor(
  collector: SpanCollector,
  spanLimits?: SpanLimits,
): TracerProvider {
  return new TracerProvider({
    spanProcessors: [collector],
    ...(spanLimits === undefined ? {} : { spanLimits }),
  });
}

/**
 * Registers a global tracer provider feeding `collector` and what `options` asks for; the
 * function it returns disables all of it (for `afterAll`).
 */
export function installGlobalTracing(
  collector: SpanCollector,
  options: GlobalTracingOptions = {},
): () => void {
  trace.setGlobalTracerProvider(tracerProviderFor(collector));
  if (options.propagator) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (options.contextManager) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
  return () => {
    trace.disable();
    propagation.disable();
    context.disable();
  };
}
