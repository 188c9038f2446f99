import { CHANNEL_IDS } from './asyncapi-channels.js';
import { MESSAGE_IDS } from './asyncapi-messages.js';

/** What {@link operation} builds an AsyncAPI operation from. */
interface OperationParts {
  readonly action: 'send' | 'receive';
  readonly channelId: string;
  readonly messageIds: readonly string[];
  readonly title: string;
  readonly description: string;
  /** The consumer group of a receive, as a description. */
  readonly group?: string;
}

function operation({ action, channelId, messageIds, title, description, group }: OperationParts) {
  return {
    action,
    channel: { $ref: `#/channels/${channelId}` },
    title,
    description,
    messages: messageIds.map((id) => ({ $ref: `#/channels/${channelId}/messages/${id}` })),
    ...(group === undefined
      ? {}
      : {
          bindings: {
            kafka: { groupId: { type: 'string', description: group }, bindingVersion: '0.5.0' },
          },
        }),
  };
}

const perTopicGroup =
  'The consumer group <CONSUMER_GROUP>.<topic> (default saga-coordinator.<topic>).';
const deadLetterGroup =
  'One consumer group for every dead-letter topic: <CONSUMER_GROUP>.<topicPrefix>dead-letters.';

/** The document's operations, from the coordinator's point of view: what it receives and sends. */
export function asyncApiOperations(): Record<string, object> {
  return {
    receiveStartRequest: operation({
      action: 'receive',
      channelId: CHANNEL_IDS.start,
      messageIds: [MESSAGE_IDS.start],
      title: 'Receive start requests',
      description: 'Starts the saga, or dead-letters a request it cannot start, with the reason.',
      group: perTopicGroup,
    }),
    sendCommand: operation({
      action: 'send',
      channelId: CHANNEL_IDS.commands,
      messageIds: [MESSAGE_IDS.command],
      title: 'Send commands',
      description:
        'One command per attempt of a step or of its compensation, through the outbox; the ' +
        'reply is awaited for the step reply timeout, counted from when the broker has it.',
    }),
    receiveReply: operation({
      action: 'receive',
      channelId: CHANNEL_IDS.replies,
      messageIds: [MESSAGE_IDS.reply],
      title: 'Receive replies',
      description: 'Folds each reply into its saga, or dead-letters it, with the reason.',
      group: perTopicGroup,
    }),
    sendSagaEvent: operation({
      action: 'send',
      channelId: CHANNEL_IDS.events,
      messageIds: [MESSAGE_IDS.sagaEvent],
      title: 'Publish saga events',
      description: "Each saga's end and what needs an operator; every step for some saga types.",
    }),
    sendParticipantEvent: operation({
      action: 'send',
      channelId: CHANNEL_IDS.events,
      messageIds: [MESSAGE_IDS.participantEvent],
      title: 'Publish breaker events',
      description: "Each change of an instance's circuit breaker for a participant.",
    }),
    sendDefinitionEvent: operation({
      action: 'send',
      channelId: CHANNEL_IDS.events,
      messageIds: [MESSAGE_IDS.definitionEvent],
      title: 'Publish definition events',
      description: 'Each ramp of a new saga version rolled back on its own.',
    }),
    sendStartDeadLetter: operation({
      action: 'send',
      channelId: CHANNEL_IDS.startDeadLetters,
      messageIds: [MESSAGE_IDS.deadLetter],
      title: 'Dead-letter start requests',
      description:
        'A start request that is malformed or cannot be started; the value is redacted for ' +
        'saga types with sensitive fields.',
    }),
    sendReplyDeadLetter: operation({
      action: 'send',
      channelId: CHANNEL_IDS.repliesDeadLetters,
      messageIds: [MESSAGE_IDS.deadLetter],
      title: 'Dead-letter replies',
      description: 'A reply that is malformed, too large, or names no saga of this deployment.',
    }),
    ...Object.fromEntries(
      (
        [
          ['receiveStartDeadLetter', CHANNEL_IDS.startDeadLetters, 'start requests'],
          ['receiveCommandDeadLetter', CHANNEL_IDS.commandsDeadLetters, 'commands'],
          ['receiveReplyDeadLetter', CHANNEL_IDS.repliesDeadLetters, 'replies'],
        ] as const
      ).map(([id, channelId, what]) => [
        id,
        operation({
          action: 'receive',
          channelId,
          messageIds: [MESSAGE_IDS.deadLetter],
          title: `Index dead-lettered ${what}`,
          description:
            'Records each dead letter for GET /dead-letters; an operator may replay it ' +
            '(POST /dead-letters/:id/replay), which sends it to its original topic as it was.',
          group: deadLetterGroup,
        }),
      ]),
    ),
  };
}
