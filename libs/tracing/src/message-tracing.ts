// Trace context across Kafka for the coordinator and the participants: spans get explicit
// parents from the W3C context stored with a saga or carried in a message's headers, never
// from whatever context happens to be active. With no SDK started every call is a cheap no-op.
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { HEADERS, LIMITS, SPAN_ATTRIBUTES, type TraceCarrier } from '#contracts';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';

const TRACER_NAME = 'saga-coordinator';

/** The tracer every saga span comes from. */
export function sagaTracer() {
  return trace.getTracer(TRACER_NAME);
}

/** The context a carrier (headers, or a saga's stored context) names; the root when it names none. */
export function contextOf(carrier: Readonly<Record<string, string>> | null | undefined): Context {
  if (!carrier || carrier[HEADERS.traceparent] === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The W3C context of `span`, ready to store or to put in headers; null when tracing is off. */
export function carrierOf(span: Span): TraceCarrier | null {
  // Not isRecording(): it turns false once the span has ended, and these spans end at once.
  if (!trace.isSpanContextValid(span.spanContext())) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier[HEADERS.traceparent] === undefined ? null : carrier;
}

/** `headers` with their trace headers replaced by `span`'s context (unchanged when tracing is off). */
export function withTraceOf(
  headers: Readonly<Record<string, string>>,
  span: Span,
): Record<string, string> {
  const carrier = carrierOf(span);
  if (!carrier) return { ...headers };
  const { [HEADERS.traceparent]: _parent, [HEADERS.tracestate]: _state, ...rest } = headers;
  return { ...rest, ...carrier };
}

/**
 * The saga attributes a message's contract headers name (saga id and type, step, attempt),
 * each cut to the contract's id limit: a header may be anything its sender wrote, of any length.
 */
export function sagaAttributesOf(headers: Readonly<Record<string, string>>): Attributes {
  const attributes: Attributes = {};
  const put = (name: string, value: string | undefined) => {
    if (value !== undefined) attributes[name] = bounded(value, LIMITS.id);
  };
  put(SPAN_ATTRIBUTES.sagaId, headers[HEADERS.sagaId]);
  put(SPAN_ATTRIBUTES.sagaType, headers[HEADERS.sagaType]);
  put(SPAN_ATTRIBUTES.step, headers[HEADERS.stepId]);
  const attempt = Number(headers[HEADERS.attempt]);
  if (Number.isSafeInteger(attempt)) attributes[SPAN_ATTRIBUTES.attempt] = attempt;
  return attributes;
}

/** Options of {@link startProcessSpan}. */
export interface ProcessSpanOptions {
  /**
   * Take the saga attributes from the message's headers (default true). False when the caller
   * names them itself from the checked body: a header nothing checked may mislabel the span.
   */
  readonly sagaHeaders?: boolean;
}

/**
 * Starts a CONSUMER `process <topic>` span, child of the context in the message's headers.
 * `attributes` win over those read from the headers (which are cut to the contract's limits).
 */
export function startProcessSpan(
  topic: string,
  headers: Readonly<Record<string, string>>,
  attributes: Attributes = {},
  options: ProcessSpanOptions = {},
): Span {
  return sagaTracer().startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [SPAN_ATTRIBUTES.messagingSystem]: 'kafka',
        [SPAN_ATTRIBUTES.destination]: topic,
        [SPAN_ATTRIBUTES.operationType]: 'process',
        [SPAN_ATTRIBUTES.operationName]: 'process',
        ...optional(SPAN_ATTRIBUTES.messageId, headers[HEADERS.messageId]),
        ...(options.sagaHeaders === false ? {} : sagaAttributesOf(headers)),
        ...attributes,
      },
    },
    contextOf(headers),
  );
}

/**
 * Runs `send` with the Kafka client's own instrumentation suppressed: it would start a `send`
 * span under whatever context is active and write that span's `traceparent` into the records'
 * headers, over the one they carry (and leave their `tracestate`, no longer matching).
 */
export function withoutClientTracing<T>(send: () => Promise<T>): Promise<T> {
  return context.with(suppressTracing(context.active()), send);
}

/** Ends `span`, marked as an error when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.name : 'error',
    });
  }
  span.end();
}

/**
 * Publishes `messages`, each under a PRODUCER `send <topic>` span whose parent is the context in
 * its own headers and whose context replaces it there (a message without one gets no span). The
 * Kafka client's own instrumentation is suppressed for this call (see withoutClientTracing): it
 * would parent every message of the batch to one context.
 */
export async function publishTraced(
  publisher: MessagePublisher,
  messages: readonly OutgoingMessage[],
): Promise<void> {
  const spans: Span[] = [];
  const traced = messages.map((message) => {
    if (message.headers[HEADERS.traceparent] === undefined) return message;
    const span = sagaTracer().startSpan(
      `send ${message.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          [SPAN_ATTRIBUTES.messagingSystem]: 'kafka',
          [SPAN_ATTRIBUTES.destination]: message.topic,
          [SPAN_ATTRIBUTES.operationType]: 'send',
          [SPAN_ATTRIBUTES.operationName]: 'send',
          [SPAN_ATTRIBUTES.kafkaMessageKey]: message.key,
          ...optional(SPAN_ATTRIBUTES.messageId, message.headers[HEADERS.messageId]),
          ...sagaAttributesOf(message.headers),
        },
      },
      contextOf(message.headers),
    );
    spans.push(span);
    return span.isRecording()
      ? { ...message, headers: withTraceOf(message.headers, span) }
      : message;
  });
  try {
    await withoutClientTracing(() => publisher.publish(traced));
  } catch (error) {
    for (const span of spans) endSpan(span, error);
    throw error;
  }
  for (const span of spans) span.end();
}

/** A header-derived attribute, cut to the contract's message id limit. */
function optional(name: string, value: string | undefined): Attributes {
  return value === undefined ? {} : { [name]: bounded(value, LIMITS.compositeId) };
}

/** `value` cut to `max` UTF-16 units, never inside a surrogate pair: a header is otherwise unbounded. */
function bounded(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}
