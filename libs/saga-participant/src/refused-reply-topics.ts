import { neverSendableCode, refusesTopic } from '#messaging';
import type { OutgoingMessage } from '#saga-core';
import { publishFittingReplies, type PublishReplies } from './fitting-replies.js';

/**
 * Publishes replies as publishFittingReplies does, so that a reply topic the broker refuses for
 * good (refusesForGood: invalid, forbidden) does not hold the command partition up either: the
 * outcomes are stored, so every redelivery would fail the same publish. When a publish fails so,
 * the replies are published again topic by topic, each topic's in their order, and resolves with
 * the topics the broker refused and its code for each, for their commands to be dead-lettered;
 * the replies to the other topics are published (a reply already sent by the failed publish may
 * go twice; the coordinator applies one copy). Any other failure is thrown, for the batch to be
 * handed over again: a missing topic among them, which the coordinator creates.
 */
export async function publishRepliesExceptRefusedTopics(
  publish: PublishReplies,
  replies: readonly OutgoingMessage[],
  onReplaced: (reply: OutgoingMessage, brokerCode: string) => void,
): Promise<ReadonlyMap<string, string>> {
  let firstCode: string;
  try {
    await publishFittingReplies(publish, replies, onReplaced);
    return new Map();
  } catch (error) {
    const code = refusalForGood(error);
    if (code === undefined) throw error;
    firstCode = code;
  }
  const topics = byTopic(replies);
  // A single topic is the one refused: no need to ask the broker again.
  if (topics.size === 1) return new Map([[replies[0]!.topic, firstCode]]);
  const refused = new Map<string, string>();
  for (const [topic, ofTopic] of topics) {
    try {
      await publishFittingReplies(publish, ofTopic, onReplaced);
    } catch (error) {
      const code = refusalForGood(error);
      if (code === undefined) throw error;
      refused.set(topic, code);
    }
  }
  return refused;
}

/**
 * The broker's code when it refused a publish for its topic, and would on every try: an invalid
 * name (INVALID_TOPIC_EXCEPTION: `.`, an internal topic) or one this client may not write to
 * (TOPIC_AUTHORIZATION_FAILED; granted later, a replay of the dead letter is answered). A missing
 * topic (UNKNOWN_TOPIC_OR_PARTITION) is not one: the coordinator creates the topics it names.
 */
function refusalForGood(error: unknown): string | undefined {
  const code = neverSendableCode(error);
  return code !== undefined && refusesTopic(code) && code !== 'UNKNOWN_TOPIC_OR_PARTITION'
    ? code
    : undefined;
}

/** `replies` by topic, each topic's in their order. */
function byTopic(replies: readonly OutgoingMessage[]): Map<string, OutgoingMessage[]> {
  const groups = new Map<string, OutgoingMessage[]>();
  for (const reply of replies) {
    const group = groups.get(reply.topic);
    if (group === undefined) groups.set(reply.topic, [reply]);
    else group.push(reply);
  }
  return groups;
}
