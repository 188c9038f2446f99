import { Logger } from '@nestjs/common';
import { HEADERS, redactPaths, type TraceCarrier } from '#contracts';
import type { SagaRegistry, SagaState } from '#saga-core';
import type { ObservedTransition } from './saga-metrics.js';

/** Statuses whose arrival is logged at `info` (the rest of a saga's life is `debug`). */
const NOTABLE = new Set(['compensating', 'completed', 'compensated', 'stuck']);

/**
 * Logs what committed decisions did to sagas, one line per transition, each with the saga id
 * and type, the step and attempt concerned, and the saga's trace id. A saga's input appears
 * only on its start line, with its definition's `sensitive` fields redacted.
 */
export class SagaLog {
  private readonly logger = new Logger('Sagas');

  constructor(private readonly registry: SagaRegistry) {}

  /** Logs the transitions of one committed decision; `traces` holds the sagas' trace contexts. */
  decided(
    transitions: readonly ObservedTransition[],
    traces: ReadonlyMap<string, TraceCarrier | null>,
  ): void {
    for (const { before, event, after } of transitions) {
      const fields = {
        sagaId: after.sagaId,
        sagaType: after.sagaType,
        status: after.status,
        ...traceIdOf(traces.get(after.sagaId)),
        ...stepOf(event),
      };
      if (before === null) {
        this.logger.log({ msg: 'saga started', ...fields, input: this.redacted(after) });
      } else if (before.status !== after.status && NOTABLE.has(after.status)) {
        this.logger.log({ msg: `saga ${after.status}`, ...fields, from: before.status });
      } else if (after.revision !== before.revision) {
        this.logger.debug({ msg: `saga ${event?.type ?? 'changed'}`, ...fields });
      }
    }
  }

  private redacted(state: SagaState): unknown {
    const definition = this.registry.resolve({ name: state.sagaType, version: state.sagaVersion });
    return redactPaths(state.input, definition?.sensitive ?? []);
  }
}

/** The trace id of a stored W3C context, when there is one. */
export function traceIdOf(carrier: TraceCarrier | null | undefined): { traceId?: string } {
  const traceparent = carrier?.[HEADERS.traceparent as 'traceparent'];
  const traceId = traceparent?.split('-')[1];
  return traceId ? { traceId } : {};
}

function stepOf(event: ObservedTransition['event']): { step?: string; attempt?: number } {
  if (event === null || !('stepId' in event)) return {};
  return 'attempt' in event && typeof event.attempt === 'number'
    ? { step: event.stepId, attempt: event.attempt }
    : { step: event.stepId };
}
