import { topicNames } from '#contracts';
import { createCommandBatchHandler, type ReplyInterceptor } from './command-batch-handler.js';
import type { CommandHandlers } from './command-handler.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';
import { mergingPublisher } from './merged-replies.js';
import { jsonLinesParticipantLogger, type ParticipantLogger } from './participant-logger.js';
import type { MessageConsumer, MessagePublisher } from '#saga-core';

/** How to run one participant. */
export interface ParticipantRuntimeOptions {
  /** The participant's name: it reads `<topicPrefix><participant>.commands`. */
  readonly participant: string;
  /** Handlers by command type. */
  readonly handlers: CommandHandlers;
  /** A consumer not yet started; the runtime starts and stops it. */
  readonly consumer: MessageConsumer;
  readonly publisher: MessagePublisher;
  /** Environment prefix of every topic name, e.g. `dev.` (default none). */
  readonly topicPrefix?: string;
  /** What was already answered (default: a new InMemoryIdempotencyStore). */
  readonly idempotencyStore?: IdempotencyStore;
  /** Consumer group (default `<topicPrefix><participant>.participant`). */
  readonly groupId?: string;
  /** The clock of `repliedAt` (default: the system clock). */
  readonly now?: () => Date;
  /** Default: JSON lines on stdout/stderr. */
  readonly logger?: ParticipantLogger;
  /** Rewrites each reply before it is published (fault injection; default: none). */
  readonly interceptReply?: ReplyInterceptor;
}

/** A running participant. */
export interface ParticipantRuntime {
  readonly participant: string;
  /** The topic it reads. */
  readonly commandTopic: string;
  /** Finishes the batch in hand, then leaves the consumer group. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a participant: consumes its command topic (which must exist, with its `.dlq`), and
 * answers each command on its reply-to topic, once per idempotency key. Resolves once the
 * consumer has joined its group.
 */
export async function startParticipantRuntime(
  options: ParticipantRuntimeOptions,
): Promise<ParticipantRuntime> {
  const { participant, consumer } = options;
  const topicPrefix = options.topicPrefix ?? '';
  const commandTopic = topicNames(topicPrefix).commands(participant);
  const handleBatch = createCommandBatchHandler({
    participant,
    topicPrefix,
    handlers: options.handlers,
    // Replies of the partitions handled at once go out in one publish.
    publisher: mergingPublisher(options.publisher),
    idempotencyStore: options.idempotencyStore ?? new InMemoryIdempotencyStore(),
    now: options.now ?? (() => new Date()),
    logger: options.logger ?? jsonLinesParticipantLogger,
    ...(options.interceptReply === undefined ? {} : { interceptReply: options.interceptReply }),
  });
  await consumer.start({
    groupId: options.groupId ?? `${topicPrefix}${participant}.participant`,
    topics: [commandTopic],
    handleBatch,
  });
  return { participant, commandTopic, stop: () => consumer.stop() };
}
