import { Logger } from '@nestjs/common';
import { HEADERS, redactPaths, type TraceCarrier } from '#contracts';
import type { SagaRegistry, SagaState } from '#saga-core';
import { logsAt, type LogLevel } from '#logging';
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
  private readonly info: boolean;
  private readonly debug: boolean;

  /** `level`: the least severe level the logs write (LOG_LEVEL); no line below it is built. */
  constructor(
    private readonly registry: SagaRegistry,
    level: LogLevel,
  ) {
    this.info = logsAt(level, 'info');
    this.debug = logsAt(level, 'debug');
  }

  /** Logs the transitions of one committed decision; `traces` holds the sagas' trace contexts. */
  decided(
    transitions: readonly ObservedTransition[],
    traces: ReadonlyMap<string, TraceCarrier | null>,
  ): void {
    if (!this.info) return; // every line is info or debug: none would be written
    for (const transition of transitions) {
      const { before, event, after } = transition;
      if (before === null) {
        const input = this.redacted(after);
        this.logger.log({ msg: 'saga started', ...fieldsOf(transition, traces), input });
      } else if (before.status !== after.status && NOTABLE.has(after.status)) {
        const from = before.status;
        this.logger.log({ msg: `saga ${after.status}`, ...fieldsOf(transition, traces), from });
      } else if (this.debug && after.revision !== before.revision) {
        const msg = `saga ${event?.type ?? 'changed'}`;
        this.logger.debug({ msg, ...fieldsOf(transition, traces) });
      }
    }
  }

  private redacted(state: SagaState): unknown {
    const definition = this.registry.resolve({ name: state.sagaType, version: state.sagaVersion });
    return redactPaths(state.input, definition?.sensitive ?? []);
  }
}

/** What every line about a transition says: the saga, its status, trace and step. */
function fieldsOf(
  { event, after }: ObservedTransition,
  traces: ReadonlyMap<string, TraceCarrier | null>,
): Record<string, unknown> {
  return {
    sagaId: after.sagaId,
    sagaType: after.sagaType,
    status: after.status,
    ...traceIdOf(traces.get(after.sagaId)),
    ...stepOf(event),
  };
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
