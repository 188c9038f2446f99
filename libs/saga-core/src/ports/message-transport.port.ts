// The message transport port: how the coordinator publishes and consumes messages without
// knowing the broker. Adapters (kafkajs, in-memory) live in libs/messaging; Kafka partitions,
// offsets and header encodings never cross this boundary. Delivery is at least once: a handler
// may see a message again after a crash or a rebalance and must be idempotent (the saga state
// fences a repeated reply; a start is deduplicated by its idempotency key).

/** A message to publish: a JSON body under a key that decides its ordering lane. */
export interface OutgoingMessage {
  /** The full topic name (environment prefix included); the topic must exist. */
  readonly topic: string;
  /** Messages with the same topic and key are delivered in the order they were published. */
  readonly key: string;
  /** Header name to value, e.g. the contract's message id, saga id and `traceparent`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body: JSON text. */
  readonly value: string;
}

/**
 * A message as it arrived, not yet validated (validation belongs to the handler, which
 * dead-letters what fails it). Key and value are UTF-8 text, or null when the record had none.
 * A header sent more than once carries its last value.
 */
export interface IncomingMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: string | null;
  /**
   * True when its key, value or a header held bytes that are not valid UTF-8, read as U+FFFD: the
   * text is not what was sent (only from a consumer asked to tell: the dead-letter index's).
   */
  readonly bytesReplaced?: boolean;
}

/** Publishes messages durably. */
export interface MessagePublisher {
  /**
   * Resolves once the broker has acknowledged every message (all in-sync replicas); rejects if
   * any could not be written, in which case some may have been written (retry: at least once).
   * Within one call, messages with the same topic and key keep their order; calls made one
   * after the other keep their order too; concurrent calls are not ordered with each other.
   */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
}

/** A message the handler refuses for good (malformed, failed validation): moved aside, not retried. */
export interface DeadLetter {
  /** One of the messages of the batch handed to the handler (the same object). */
  readonly message: IncomingMessage;
  /** Why, for operators; must not contain secrets. */
  readonly reason: string;
  /** The value to keep in the dead letter instead of the original (a redacted copy). */
  readonly value?: string | null;
}

/** What the handler made of a batch: every message not dead-lettered counts as handled. */
export interface BatchOutcome {
  readonly deadLetters: readonly DeadLetter[];
}

/**
 * Handles a batch of messages of one topic, in log order (same key: publication order).
 * Resolving means: everything is durably applied or listed as a dead letter; the consumer then
 * dead-letters the listed messages (to the dead-letter topic of their topic, key and headers
 * kept, with the reason and the original coordinates in headers) and only then records the
 * batch as consumed. Throwing means a technical failure (e.g. the database is down): nothing is
 * recorded, and the same messages are handed over again after a capped exponential back-off,
 * for as long as it takes; a batch is never skipped. So a poison message must be dead-lettered,
 * never thrown, or it blocks its partition.
 */
export type BatchHandler = (messages: readonly IncomingMessage[]) => Promise<BatchOutcome>;

/** What a consumer reads and what it does with it. */
export interface ConsumerStartOptions {
  /**
   * Consumers with the same group id share the topics' partitions and resume from the group's
   * recorded position; a group with no recorded position starts at the oldest retained message.
   */
  readonly groupId: string;
  /** Topics to read; each must exist, and so must its dead-letter topic (`<topic>.dlq`). */
  readonly topics: readonly string[];
  readonly handleBatch: BatchHandler;
  /**
   * The value to dead-letter, its sensitive fields redacted, for a message the consumer refuses
   * itself without handing it over (bytes that are not UTF-8); undefined: the original value.
   * One the consumer cannot read at all cannot be redacted: given this, it goes without a value.
   */
  readonly redactDeadLetter?: (message: IncomingMessage) => string | undefined;
  /**
   * Told, once they are sent, how many messages of `topic` the consumer dead-lettered itself
   * without handing them over (bytes that are not UTF-8, a record it cannot read): the handler's
   * own dead letters are never told here. It must not throw. An adapter that refuses nothing
   * never calls it.
   */
  readonly onRefused?: (topic: string, count: number) => void;
  /**
   * Told the consumer's backlog each time it changes. An adapter that cannot tell never calls it.
   */
  readonly onBacklog?: (backlog: ConsumerBacklogReport) => void;
  /**
   * Told how each chunk handed to the handler went, once it is committed: where a message's
   * time goes between its producer and its acknowledgement. It must not throw (it runs on the
   * consumer's path). An adapter that cannot tell never calls it.
   */
  readonly onChunk?: (report: ChunkReport) => void;
  /**
   * Told each time the consumer crashed because the broker's access rules refused it: reading
   * one of its topics, or its group. It restarts after its back-off all the same, until stopped
   * (its owner may stop it here, without awaiting the stop). It must not throw. An adapter
   * without access rules never calls it.
   */
  readonly onAccessRefused?: (refusal: AccessRefusal) => void;
}

/** What a consumer was refused (see ConsumerStartOptions.onAccessRefused). */
export interface AccessRefusal {
  /**
   * `topic`: reading one of its topics (which one, the broker may not say: every other topic
   * goes unread with it); `group`: using its group (joining it, its offsets), so it reads nothing.
   */
  readonly scope: 'topic' | 'group';
  /** The broker's error type, for operators, e.g. `TOPIC_AUTHORIZATION_FAILED`. */
  readonly errorType: string;
}

/** How one chunk handed to the handler went (see ConsumerStartOptions.onChunk). */
export interface ChunkReport {
  readonly topic: string;
  /**
   * Per message handed over, the ms from its record's timestamp (its producer's clock, when it
   * sent it) to when the chunk was handed over: its way through the broker, and its wait in
   * the consumer. A record without a timestamp has none.
   */
  readonly agesMs: readonly number[];
  /** The ms the handler took (retries and their back-off included), dead letters then sent. */
  readonly handleMs: number;
  /** The ms the commit of the chunk's offset took, a wait for a commit under way included. */
  readonly commitMs: number;
}

/**
 * A consumer's backlog: the messages of its partitions not yet handled (handed over and not yet
 * acknowledged, or still on the log), as of each partition's latest fetch, so it trails the log
 * by up to a fetch; and how many partitions it owns. A new assignment starts from 0 messages
 * until its partitions' first fetch; out of its group (a crash) it keeps its last report.
 */
export interface ConsumerBacklogReport {
  readonly messages: number;
  readonly partitions: number;
}

/** Reads topics as one member of a consumer group and hands batches to a handler. */
export interface MessageConsumer {
  /** Joins the group and starts delivering; resolves once it is a member. Call once. */
  start(options: ConsumerStartOptions): Promise<void>;
  /**
   * Stops delivering (back-pressure) while staying in the group: the batch in the handler, if
   * any, is finished, and nothing more is handed over until `resume` (the rest of a fetched
   * batch may wait in the adapter meanwhile). Idempotent; a consumer paused before `start`
   * starts paused.
   */
  pause(): void;
  /** Delivers again after `pause`. Idempotent. */
  resume(): void;
  /**
   * True while it is a member of its group (between a join and the next crash or stop); an
   * adapter that cannot lose its membership may leave it out (then: started and not stopped).
   */
  isMember?(): boolean;
  /**
   * Graceful stop: finishes the batch in hand and records it, gives up a batch that is waiting
   * to be retried or to be resumed (it is delivered again later, to this group), then leaves the group so its
   * partitions move to the other members at once. Idempotent. Never await it inside the
   * handler: it waits for that very handler to return.
   */
  stop(): Promise<void>;
}

/** A topic the application needs, with the number of partitions it should have. */
export interface TopicSpec {
  readonly topic: string;
  /** An integer ≥ 1; it bounds how many consumers of one group work in parallel. */
  readonly partitions: number;
}

/** An existing topic with fewer partitions than asked for (left as it is). */
export interface UnderPartitionedTopic {
  readonly topic: string;
  readonly expectedPartitions: number;
  readonly actualPartitions: number;
}

/**
 * A topic `ensureTopics` may not see (the broker's access rules), and either exists or may not be
 * created by it: taken to be an administrator's, left alone, and not checked (partitions,
 * leaders). A read or a write of it fails if it is in fact missing.
 */
export interface UnverifiedTopic {
  readonly topic: string;
  /**
   * `not-visible`: the broker says it exists, but this client may not describe it;
   * `not-creatable`: this client may neither describe nor create it, so whether it exists is unknown.
   */
  readonly reason: 'not-visible' | 'not-creatable';
}

/** What `ensureTopics` found and did. */
export interface EnsureTopicsReport {
  /** Topics that were missing and have been created. */
  readonly created: readonly string[];
  /** Topics that already existed and were left alone. */
  readonly existing: readonly string[];
  /** Existing topics with fewer partitions than asked for: reported, not changed, not an error. */
  readonly underPartitioned: readonly UnderPartitionedTopic[];
  /**
   * Topics it may not see and left alone: not an error (see UnverifiedTopic). Absent when there
   * is none, as with a broker without access rules.
   */
  readonly unverified?: readonly UnverifiedTopic[];
}

/** Creates the topics the application needs. */
export interface TopicAdministrator {
  /**
   * Creates the missing topics and waits until they can be written; leaves existing ones as
   * they are, and those it may not see that exist or that it may not create (unverified). Rejects when
   * the broker cannot be reached, or a topic it may see is missing and it may not create it.
   * Idempotent, and safe when several instances call it at once.
   */
  ensureTopics(topics: readonly TopicSpec[]): Promise<EnsureTopicsReport>;
  /** Those of `topics` that do not exist, in the order given; creates nothing. */
  missingTopics(topics: readonly string[]): Promise<string[]>;
}
