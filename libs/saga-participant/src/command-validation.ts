import { LIMITS, parseCommandMessage, type CommandMessage } from '#contracts';
import { isTopicName } from '#messaging';
import { replyMessageId } from './reply-message.js';
import type { IncomingMessage } from '#saga-core';

/** What a command must match besides the contract: who it is for and where replies may go. */
export interface CommandExpectations {
  readonly participant: string;
  /** Replies only go to topics of this environment (names that start with it). */
  readonly topicPrefix: string;
}

/** A command fit to handle, or the reason to dead-letter it. */
export type CommandCheck =
  | { readonly ok: true; readonly command: CommandMessage }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a consumed message: JSON, a valid command envelope (parseCommandMessage), addressed to
 * this participant, and answerable (a legal reply-to topic of this environment, ids that fit a
 * reply). Never throws: whatever fails is a reason for the dead-letter topic.
 */
export function checkCommand(
  message: IncomingMessage,
  expected: CommandExpectations,
): CommandCheck {
  if (message.value === null) return refuse('(root): the message has no body');
  let raw: unknown;
  try {
    raw = JSON.parse(message.value);
  } catch {
    return refuse('(root): not valid JSON');
  }
  const parsed = parseCommandMessage(raw);
  if (!parsed.ok) return refuse(parsed.reason);
  const command = parsed.value;
  if (command.participant !== expected.participant) {
    return refuse(`participant: addressed to ${command.participant}, not ${expected.participant}`);
  }
  if (!answerableTopic(command.replyTo, expected.topicPrefix)) {
    return refuse(`replyTo: not a topic of this environment (prefix "${expected.topicPrefix}")`);
  }
  // A reply echoes sagaId, stepId, action and attempt, which the reply schema holds to the
  // rules the command schema has just checked; its messageId, the command's behind an ASCII
  // prefix (so storable and not empty whenever the command's is), can only break the
  // composite-id length. That is all there is left to check (command-validation.spec.ts pins
  // it against parseReplyMessage at the limits).
  const replyId = replyMessageId(command);
  // Counted in code points, as the schemas count: never more than the UTF-16 length.
  const replyLength =
    replyId.length > LIMITS.compositeId ? codePointLength(replyId) : replyId.length;
  if (replyLength > LIMITS.compositeId) {
    return refuse(
      `cannot be answered: messageId: Too big: the reply's would have ${replyLength} characters, at most ${LIMITS.compositeId} are allowed`,
    );
  }
  return { ok: true, command };
}

/**
 * Whether replies may go to `topic`: a legal topic name (isTopicName: `.` and `..` are not), not
 * one of Kafka's internal topics (`__consumer_offsets`, `__transaction_state`: the broker refuses
 * a producer's records), and of this environment (starts with `prefix`). The broker refuses the
 * others on every publish, so the reply of a command handled could never go.
 */
function answerableTopic(topic: string, prefix: string): boolean {
  return isTopicName(topic) && !topic.startsWith('__') && topic.startsWith(prefix);
}

/** Length as the schemas measure it: in code points, a surrogate pair counting once. */
function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

function refuse(reason: string): CommandCheck {
  return { ok: false, reason: `invalid command: ${reason}` };
}
