import { cutDownOutcome, parseReplyMessage } from '#contracts';
import { neverSendableCode, sendInFittingHalves } from '#messaging';
import type { OutgoingMessage } from '#saga-core';

/** Publishes replies in one call, all or none acknowledged (MessagePublisher.publish). */
export type PublishReplies = (replies: readonly OutgoingMessage[]) => Promise<void>;

/**
 * Publishes replies so that their size never holds the command partition up (the outcomes are
 * stored: every redelivery would build the same replies): replies the broker refuses as too
 * large together are published again in halves, in their order, and a single reply it refuses
 * on its own goes as its stand-in (replyTooLargeStandIn), `onReplaced` told with the broker's
 * code. Any other failure is thrown, for the batch to be handed over again; a retry after a
 * failure part-way publishes the first replies again (the coordinator applies one copy).
 */
export async function publishFittingReplies(
  publish: PublishReplies,
  replies: readonly OutgoingMessage[],
  onReplaced: (reply: OutgoingMessage, brokerCode: string) => void,
): Promise<void> {
  await sendInFittingHalves(publish, replies, async (reply, refusal) => {
    const code = neverSendableCode(refusal)!;
    const standIn = replyTooLargeStandIn(reply, code);
    if (standIn === undefined) throw refusal;
    // A few kilobytes at most; should the broker refuse even that, it is thrown like any failure.
    await publish([standIn]);
    onReplaced(reply, code);
  });
}

/**
 * The reply to send in place of one the broker refuses as too large: the same topic, key,
 * headers and envelope, with an outcome of the same status cut down to what always fits. A
 * refusal keeps its code and message and loses its `details`. A success keeps its status (the
 * handler acted) and its result becomes `{ replyTooLarge: <why> }`: a saga that reads the
 * result cannot fold that, and ends the step as any success it cannot fold (`on-success-failed`,
 * DEFINITIONS.md): a compensatable step is compensated, a pivot or a later step stops the saga
 * `stuck` for an operator; a saga that reads none goes on, as the step did succeed. Not an
 * `error`: that tells the coordinator nothing was done, and a pivot that errs has the steps
 * before it compensated while its own effect stays. Undefined when `reply` holds no reply
 * envelope, or an `error` (never stored, and small).
 */
export function replyTooLargeStandIn(
  reply: OutgoingMessage,
  brokerCode: string,
): OutgoingMessage | undefined {
  let parsed: ReturnType<typeof parseReplyMessage>;
  try {
    parsed = parseReplyMessage(JSON.parse(reply.value));
  } catch {
    return undefined;
  }
  if (!parsed.ok) return undefined;
  const envelope = parsed.value;
  if (envelope.outcome.status === 'error') return undefined;
  const why = `the result was too large for the broker (${brokerCode}); the participant keeps it under the command's idempotency key`;
  const outcome = cutDownOutcome(envelope.outcome, why);
  return { ...reply, value: JSON.stringify({ ...envelope, outcome }) };
}
