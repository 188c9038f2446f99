/** Participant names: lowercase letters, digits, dashes and dots, starting with a letter or digit. */
export const PARTICIPANT_NAME_PATTERN = /^[a-z0-9][a-z0-9.-]{0,99}$/;

const TOPIC_PREFIX_PATTERN = /^[a-zA-Z0-9._-]{0,100}$/;

/** The Kafka topic names of one environment, all carrying the same prefix. */
export interface TopicNames {
  /** Requests to start a saga, keyed by idempotency key. */
  readonly start: string;
  /** Replies from every participant, keyed by saga id. */
  readonly replies: string;
  /** Saga lifecycle events for anyone to read, keyed by saga id. */
  readonly events: string;
  /** The command topic of one participant, keyed by saga id. */
  commands(participant: string): string;
  /** The dead-letter topic that goes with `topic` (give it the full, prefixed name). */
  deadLetter(topic: string): string;
}

/** Tells whether `name` is a valid participant name (see PARTICIPANT_NAME_PATTERN). */
export function isParticipantName(name: string): boolean {
  return PARTICIPANT_NAME_PATTERN.test(name);
}

/** Builds the topic names for an environment prefix such as `dev.`; throws on an invalid prefix or participant. */
export function topicNames(prefix = ''): TopicNames {
  if (!TOPIC_PREFIX_PATTERN.test(prefix)) {
    throw new Error(`invalid topic prefix "${prefix}": use letters, digits, '.', '_' or '-'`);
  }
  return {
    start: `${prefix}saga.start`,
    replies: `${prefix}saga.replies`,
    events: `${prefix}saga.events`,
    commands(participant: string): string {
      if (!isParticipantName(participant)) {
        throw new Error(
          `invalid participant name "${participant}": use lowercase letters, digits, '-' or '.'`,
        );
      }
      return `${prefix}${participant}.commands`;
    },
    deadLetter(topic: string): string {
      if (topic.length === 0) throw new Error('a dead-letter topic needs the original topic name');
      return `${topic}.dlq`;
    },
  };
}
