/**
 * Span attribute names shared by the coordinator and the participants: the saga's own, and the
 * OpenTelemetry messaging conventions for Kafka. Values never hold payloads (they may be secret).
 */
export const SPAN_ATTRIBUTES = {
  sagaId: 'saga.id',
  sagaType: 'saga.type',
  sagaStatus: 'saga.status',
  step: 'saga.step',
  attempt: 'saga.attempt',
  action: 'saga.action',
  outcome: 'saga.outcome',
  errorCode: 'saga.error_code',
  participant: 'saga.participant',
  messagingSystem: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  kafkaMessageKey: 'messaging.kafka.message.key',
} as const;

/** The W3C trace context of a message or a saga, as carried in headers. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}
