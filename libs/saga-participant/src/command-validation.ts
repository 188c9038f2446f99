import { parseCommandMessage, parseReplyMessage, type CommandMessage } from '#contracts';
import { replyEnvelope } from './reply-message.js';
import type { IncomingMessage } from '#saga-core';

/** Kafka's rule for topic names. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

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
  const { replyTo } = command;
  if (!TOPIC_NAME.test(replyTo) || !replyTo.startsWith(expected.topicPrefix)) {
    return refuse(`replyTo: not a topic of this environment (prefix "${expected.topicPrefix}")`);
  }
  const probe = parseReplyMessage(
    replyEnvelope(command, { status: 'success', result: null }, new Date(0)),
  );
  if (!probe.ok) return refuse(`cannot be answered: ${probe.reason}`);
  return { ok: true, command };
}

function refuse(reason: string): CommandCheck {
  return { ok: false, reason: `invalid command: ${reason}` };
}
