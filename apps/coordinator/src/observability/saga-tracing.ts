import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { HEADERS, MESSAGE_TYPES, SPAN_ATTRIBUTES, type TraceCarrier } from '#contracts';
import type { SagaState } from '#saga-core';
import { carrierOf, contextOf, sagaTracer, withTraceOf } from '#tracing';
import type { OutboxRow } from '../persistence/saga-rows.js';

/**
 * The coordinator's side of "one trace per saga". A saga's trace starts with a `saga <type>`
 * span whose context is stored on the saga's row; every later span of that saga (each step
 * attempt, each compensation, each status change) is created as its child from the stored
 * context, so a saga that runs for hours forms one trace without a span held open in memory.
 * Spans mark decisions: each is kept in its decision's DecisionSpans and ended once that
 * decision commits, before its messages are published (their children, the publish, the
 * participant's handling and the reply, follow them in time).
 */
export const sagaTracing = {
  /** Opens the saga's trace (a child of `parent` when the start request carried one). */
  started(
    state: SagaState,
    spans: DecisionSpans,
    parent?: Readonly<Record<string, string>>,
  ): TraceCarrier | null {
    const span = sagaTracer().startSpan(
      `saga ${state.sagaType}`,
      { kind: SpanKind.INTERNAL, attributes: sagaAttributes(state) },
      contextOf(parent),
    );
    spans.keep(span);
    return carrierOf(span);
  },

  /**
   * Gives each command row of `rows` (from index `from`) a `step <id>` (or `compensate <id>`)
   * span, child of the saga's trace, and puts that span's context in the row's headers for the
   * relay to continue; the other rows (saga events) carry the saga's own context.
   */
  commandsPlanned(
    rows: OutboxRow[],
    from: number,
    saga: TraceCarrier | null,
    spans: DecisionSpans,
  ): void {
    if (!saga) return;
    for (let index = from; index < rows.length; index++) {
      const row = rows[index]!;
      const headers = row.headers;
      if (headers[HEADERS.messageType] !== MESSAGE_TYPES.command) {
        rows[index] = { ...row, headers: { ...headers, ...saga } };
        continue;
      }
      const payload = row.payload as { action?: string; participant?: string };
      const action = payload.action ?? 'execute';
      const span = sagaTracer().startSpan(
        `${action === 'compensate' ? 'compensate' : 'step'} ${headers[HEADERS.stepId]}`,
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            [SPAN_ATTRIBUTES.sagaId]: row.sagaId,
            [SPAN_ATTRIBUTES.sagaType]: headers[HEADERS.sagaType] ?? '',
            [SPAN_ATTRIBUTES.step]: headers[HEADERS.stepId] ?? '',
            [SPAN_ATTRIBUTES.attempt]: Number(headers[HEADERS.attempt]),
            [SPAN_ATTRIBUTES.action]: action,
            [SPAN_ATTRIBUTES.participant]: payload.participant ?? '',
          },
        },
        contextOf(saga as Record<string, string>),
      );
      spans.keep(span);
      rows[index] = { ...row, headers: withTraceOf(headers, span) };
    }
  },

  /** Records a change of the saga's status (e.g. to `compensating`, with the step that failed). */
  statusChanged(
    before: SagaState,
    after: SagaState,
    saga: TraceCarrier | null,
    spans: DecisionSpans,
  ): void {
    if (!saga || before.status === after.status) return;
    const span = sagaTracer().startSpan(
      `saga ${after.sagaType} ${after.status}`,
      { kind: SpanKind.INTERNAL, attributes: { ...sagaAttributes(after), ...causeOf(after) } },
      contextOf(saga as Record<string, string>),
    );
    spans.keep(span);
  },
};

/**
 * The spans of one decision, ended (and so exported) only once it commits: a decision that
 * fails, or is taken again, leaves no span of a saga or a step that was never stored.
 */
export class DecisionSpans {
  private readonly spans: Span[] = [];

  keep(span: Span): void {
    this.spans.push(span);
  }

  /** Ends the spans kept (call once the decision committed). */
  end(): void {
    for (const span of this.spans.splice(0)) span.end();
  }
}

function sagaAttributes(state: SagaState): Attributes {
  return {
    [SPAN_ATTRIBUTES.sagaId]: state.sagaId,
    [SPAN_ATTRIBUTES.sagaType]: state.sagaType,
    [SPAN_ATTRIBUTES.sagaStatus]: state.status,
  };
}

/** Why the saga compensates (the cause, the failing step and its error code), never a payload. */
function causeOf(state: SagaState): Attributes {
  if (state.status !== 'compensating' && state.status !== 'compensated') return {};
  const cause = state.cause;
  const attributes: Attributes = { [SPAN_ATTRIBUTES.outcome]: cause.type };
  if (cause.type === 'step-failed' || cause.type === 'step-outcome-unknown')
    attributes[SPAN_ATTRIBUTES.step] = cause.stepId;
  if (cause.type === 'step-failed') attributes[SPAN_ATTRIBUTES.errorCode] = cause.outcome.code;
  return attributes;
}
