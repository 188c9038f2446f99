import { topicNames } from '../topics.js';
import { MESSAGE_IDS } from './asyncapi-messages.js';

/** The ids of the document's channels, one per topic and one per dead-letter topic. */
export const CHANNEL_IDS = {
  start: 'sagaStart',
  commands: 'participantCommands',
  replies: 'sagaReplies',
  events: 'sagaEvents',
  startDeadLetters: 'sagaStartDeadLetters',
  commandsDeadLetters: 'participantCommandsDeadLetters',
  repliesDeadLetters: 'sagaRepliesDeadLetters',
  eventsDeadLetters: 'sagaEventsDeadLetters',
} as const;

/** The address parameters: the environment's topic prefix, and a participant's name. */
export const CHANNEL_PARAMETERS = {
  topicPrefix: {
    description:
      'The environment topic prefix, TOPIC_PREFIX (default empty), used verbatim: nothing is ' +
      'inserted, so it includes its separator ("staging." gives staging.saga.start). 0 to 100 ' +
      'of [a-zA-Z0-9._-].',
    default: '',
    examples: ['', 'staging.'],
  },
  participant: {
    description:
      'A participant name: lowercase letters, digits, dashes and dots, starting with a letter ' +
      'or a digit, at most 100 characters (^[a-z0-9][a-z0-9.-]{0,99}$).',
    examples: ['inventory', 'payment'],
  },
} as const;

const PREFIX = '{topicPrefix}';
const names = topicNames();
const parameter = (name: keyof typeof CHANNEL_PARAMETERS) => ({
  [name]: { $ref: `#/components/parameters/${name}` },
});
const messages = (...ids: string[]) =>
  Object.fromEntries(ids.map((id) => [id, { $ref: `#/components/messages/${id}` }]));
const kafka = { kafka: { bindingVersion: '0.5.0' } };

/** What {@link channel} builds an AsyncAPI channel from. */
interface ChannelParts {
  readonly address: string;
  readonly title: string;
  readonly description: string;
  readonly messageIds: readonly string[];
}

function channel({ address, title, description, messageIds }: ChannelParts) {
  return {
    address,
    title,
    description,
    parameters: {
      ...parameter('topicPrefix'),
      ...(address.includes('{participant}') ? parameter('participant') : {}),
    },
    messages: messages(...messageIds),
    bindings: kafka,
  };
}

function deadLetterChannel(address: string, of: string, writers: string, readers: string) {
  return channel({
    address: names.deadLetter(address),
    title: `${of} dead letters`,
    description:
      `The messages of ${address} that ${writers} could not handle, with the reason in ` +
      `dlq-reason; keyed by their original key. ${readers}`,
    messageIds: [MESSAGE_IDS.deadLetter],
  });
}

/** The document's channels: every topic of the contract, addressed with its prefix. */
export function asyncApiChannels(): Record<string, object> {
  const start = PREFIX + names.start;
  const commands = `${PREFIX}{participant}.commands`;
  const replies = PREFIX + names.replies;
  const events = PREFIX + names.events;
  const indexed =
    'The coordinator indexes them (GET /dead-letters) and can replay them to the original topic.';
  return {
    [CHANNEL_IDS.start]: channel({
      address: start,
      title: 'Start requests',
      description: 'Starters ask for sagas here; the coordinator reads. Keyed by idempotency key.',
      messageIds: [MESSAGE_IDS.start],
    }),
    [CHANNEL_IDS.commands]: channel({
      address: commands,
      title: 'Commands of one participant',
      description:
        'The coordinator writes, the participant reads. Keyed by saga id: the commands of one ' +
        'saga to one participant keep their order on one partition, a compensation after its ' +
        'command. Handle the messages of a partition in order.',
      messageIds: [MESSAGE_IDS.command],
    }),
    [CHANNEL_IDS.replies]: channel({
      address: replies,
      title: 'Replies',
      description:
        'Every participant writes its replies here, keyed by saga id; the coordinator reads.',
      messageIds: [MESSAGE_IDS.reply],
    }),
    [CHANNEL_IDS.events]: channel({
      address: events,
      title: 'Saga events',
      description:
        "The coordinator writes, anyone reads: sagas' lifecycle events keyed by saga id, and " +
        'breaker events keyed by participant name.',
      messageIds: [
        MESSAGE_IDS.sagaEvent,
        MESSAGE_IDS.participantEvent,
        MESSAGE_IDS.definitionEvent,
      ],
    }),
    [CHANNEL_IDS.startDeadLetters]: deadLetterChannel(
      start,
      'Start request',
      'the coordinator',
      indexed,
    ),
    [CHANNEL_IDS.commandsDeadLetters]: deadLetterChannel(
      commands,
      'Command',
      'the participant',
      indexed,
    ),
    [CHANNEL_IDS.repliesDeadLetters]: deadLetterChannel(
      replies,
      'Reply',
      'the coordinator',
      indexed,
    ),
    [CHANNEL_IDS.eventsDeadLetters]: deadLetterChannel(
      events,
      'Saga event',
      'a reader',
      'The coordinator creates this topic but does not read it.',
    ),
  };
}
