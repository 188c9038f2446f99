import { z } from 'zod';

const environmentSchema = z.object({
  KAFKA_BROKERS: z
    .string({ error: 'required: the Kafka bootstrap servers' })
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{0,100}$/, "expected letters, digits, '.', '_' or '-'")
    .default(''),
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1_000).default(3),
});

/** The standalone participants' configuration, read from the environment once at start-up. */
export interface ParticipantsConfig {
  /** Kafka bootstrap servers (`KAFKA_BROKERS`, comma-separated host:port). */
  readonly kafkaBrokers: string[];
  /** Environment prefix of topic names (`TOPIC_PREFIX`, default none). */
  readonly topicPrefix: string;
  /** Partitions of the command topics when they are created (`TOPIC_PARTITIONS`, default 3). */
  readonly topicPartitions: number;
}

/** Thrown when the environment holds a wrong value; the message names every bad variable. */
export class ParticipantsConfigError extends Error {
  override name = 'ParticipantsConfigError';
}

/** Reads and validates the configuration; values are never echoed (they may hold secrets). */
export function loadParticipantsConfig(
  environment: Record<string, string | undefined>,
): ParticipantsConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ParticipantsConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const env = parsed.data;
  return {
    kafkaBrokers: env.KAFKA_BROKERS.split(','),
    topicPrefix: env.TOPIC_PREFIX,
    topicPartitions: env.TOPIC_PARTITIONS,
  };
}
