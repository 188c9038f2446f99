import type { Attributes } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES, type ReplyMessage } from '#contracts';

/**
 * What a reply tells a span: saga, step, action, attempt, outcome and error code, all from its
 * checked body; never its result. No saga type: a reply's body names none, and its saga-type
 * header is checked against nothing.
 */
export function replySpanAttributes(reply: ReplyMessage): Attributes {
  const attributes: Attributes = {
    [SPAN_ATTRIBUTES.sagaId]: reply.sagaId,
    [SPAN_ATTRIBUTES.step]: reply.stepId,
    [SPAN_ATTRIBUTES.action]: reply.action,
    [SPAN_ATTRIBUTES.attempt]: reply.attempt,
    [SPAN_ATTRIBUTES.outcome]: reply.outcome.status,
  };
  if (reply.outcome.status !== 'success')
    attributes[SPAN_ATTRIBUTES.errorCode] = reply.outcome.code;
  return attributes;
}
