import { context, trace, type Span } from '@opentelemetry/api';
import {
  ALREADY_COMPENSATED,
  HEADERS,
  SPAN_ATTRIBUTES,
  idempotencyKey,
  type CommandMessage,
  type ReplyOutcome,
} from '#contracts';
import { endSpan, publishTraced, startProcessSpan, withTraceOf } from '#tracing';
import { runCommandHandler, type CommandHandlers } from './command-handler.js';
import { checkCommand } from './command-validation.js';
import { publishRepliesExceptRefusedTopics } from './refused-reply-topics.js';
import type { ClosedKey, IdempotencyStore } from './idempotency-store.js';
import type { ParticipantLogger } from './participant-logger.js';
import { redactedError } from './redacted-error.js';
import { replyEnvelope, replyMessage } from './reply-message.js';
import type {
  BatchOutcome,
  DeadLetter,
  IncomingMessage,
  MessagePublisher,
  OutgoingMessage,
} from '#saga-core';

/** What the batch handler of one participant needs; every field is required. */
export interface CommandBatchHandlerOptions {
  readonly participant: string;
  readonly topicPrefix: string;
  readonly handlers: CommandHandlers;
  readonly publisher: MessagePublisher;
  readonly idempotencyStore: IdempotencyStore;
  /** The clock of `repliedAt`. */
  readonly now: () => Date;
  readonly logger: ParticipantLogger;
  /** Sees each reply once its outcome is stored; publishes what it returns instead (fault injection). */
  readonly interceptReply?: ReplyInterceptor;
}

/**
 * Called with a reply after its outcome was stored and before it is published; returns the
 * messages to publish in its place: none drops it, two copies duplicate it. For fault injection.
 */
export type ReplyInterceptor = (
  reply: OutgoingMessage,
  command: CommandMessage,
) => readonly OutgoingMessage[];

/**
 * Handles a batch of a participant's commands, one after the other: dead-letters what is not a
 * valid command, answers a duplicate (same idempotency key) with the outcome recorded the first
 * time without running the handler, runs the handler otherwise and records a final outcome
 * before replying, then publishes every reply at once (in parts, or a reply cut down, when the
 * broker refuses them as too large: publishFittingReplies). A command whose reply topic the
 * broker refuses for good (invalid, forbidden: publishRepliesExceptRefusedTopics) is
 * dead-lettered once handled, with the reason; its outcome stays stored, and answers a replay.
 * Each command gets a `process <topic>` span, child of the coordinator's `send` span from its
 * headers, and its reply continues it. Throws only when the store fails or the publisher fails
 * for another reason (a missing reply topic among them), so the batch is handed over again;
 * what was recorded is not redone.
 */
export function createCommandBatchHandler(
  options: CommandBatchHandlerOptions,
): (messages: readonly IncomingMessage[]) => Promise<BatchOutcome> {
  const { participant, topicPrefix, publisher, now } = options;
  return async (messages) => {
    const deadLetters: DeadLetter[] = [];
    const replies: OutgoingMessage[] = [];
    const answered: Answered[] = [];
    const spans: Span[] = [];
    try {
      for (const message of messages) {
        const checked = checkCommand(message, { participant, topicPrefix });
        if (!checked.ok) {
          deadLetters.push({ message, reason: checked.reason });
          continue;
        }
        const { command } = checked;
        const span = startProcessSpan(message.topic, message.headers, {
          [SPAN_ATTRIBUTES.action]: command.action,
          [SPAN_ATTRIBUTES.participant]: command.participant,
        });
        spans.push(span);
        const outcome = await context.with(trace.setSpan(context.active(), span), () =>
          decide(options, command),
        );
        span.setAttribute(SPAN_ATTRIBUTES.outcome, outcome.status);
        if (outcome.status !== 'success')
          span.setAttribute(SPAN_ATTRIBUTES.errorCode, outcome.code);
        const envelope = replyEnvelope(command, outcome, now());
        const reply = replyMessage(command, envelope, withTraceOf(message.headers, span));
        const sent = options.interceptReply?.(reply, command) ?? [reply];
        replies.push(...sent);
        answered.push({ message, command, topics: new Set(sent.map(({ topic }) => topic)) });
      }
      if (replies.length > 0) {
        const refused = await publishRepliesExceptRefusedTopics(
          (part) => publishTraced(publisher, part),
          replies,
          (reply, brokerCode) => logReplaced(options, reply, brokerCode),
        );
        if (refused.size > 0) deadLetters.push(...unanswerable(options, answered, refused));
      }
    } catch (error) {
      for (const span of spans) endSpan(span, error);
      throw error;
    }
    for (const span of spans) span.end();
    return { deadLetters };
  };
}

/**
 * The outcome to answer `command` with: the recorded one, or the handler's. A command type
 * without a handler here is looked up in the store too (another instance, in a rolling deploy,
 * may have the handler and have stored the key's outcome): UNKNOWN_COMMAND only when the key has
 * none, never stored, and no key closed (no compensation ran).
 */
async function decide(
  options: CommandBatchHandlerOptions,
  command: CommandMessage,
): Promise<ReplyOutcome> {
  const { idempotencyStore, logger } = options;
  const traceId = trace.getActiveSpan()?.spanContext().traceId;
  const fields = {
    participant: command.participant,
    commandType: command.commandType,
    sagaId: command.sagaId,
    step: command.stepId,
    attempt: command.attempt,
    messageId: command.messageId,
    ...(traceId === undefined ? {} : { traceId }),
  };
  // Own keys only: `constructor` or `toString` is no handler of a plain object's.
  const handler = Object.hasOwn(options.handlers, command.commandType)
    ? options.handlers[command.commandType]
    : undefined;
  const { outcome, duplicate } = await idempotencyStore.once(
    command.idempotencyKey,
    command.commandType,
    handler === undefined
      ? () => Promise.resolve(unknownCommand(command))
      : (context) =>
          runCommandHandler(
            handler,
            command,
            context,
            (error) =>
              logger.log('error', 'A command handler crashed', {
                ...fields,
                error: redactedError(error),
              }),
            (reason) =>
              logger.log('error', 'A command handler returned a result that is not JSON', {
                ...fields,
                reason,
              }),
          ),
    handler === undefined ? undefined : closedByCompensation(command),
  );
  if (!duplicate && handler === undefined)
    logger.log('warn', 'A command of an unknown type was refused', fields);
  else if (duplicate && outcome.status === 'failure' && outcome.code === ALREADY_COMPENSATED)
    logger.log('warn', 'A command that arrived after its compensation was refused', fields);
  else if (duplicate && handler === undefined)
    logger.log('info', 'A command of a type without a handler here got its stored outcome', fields);
  else if (duplicate)
    logger.log('info', 'A duplicate command was answered with the first reply', fields);
  return outcome;
}

/** The answer to a command type without a handler: an error (never stored) not retried. */
function unknownCommand(command: CommandMessage): ReplyOutcome {
  return {
    status: 'error',
    code: 'UNKNOWN_COMMAND',
    message: `${command.participant} has no handler for ${command.commandType}`,
    retryable: false,
  };
}

/** A handled command, and the topics of the replies it got. */
interface Answered {
  readonly message: IncomingMessage;
  readonly command: CommandMessage;
  readonly topics: ReadonlySet<string>;
}

/**
 * The dead letters of the commands whose replies went to a topic the broker refused for good
 * (`refused`: topic to broker code), each told in the log.
 */
function unanswerable(
  { participant, logger }: CommandBatchHandlerOptions,
  answered: readonly Answered[],
  refused: ReadonlyMap<string, string>,
): DeadLetter[] {
  const deadLetters: DeadLetter[] = [];
  for (const { message, command, topics } of answered) {
    const topic = [...topics].find((each) => refused.has(each));
    if (topic === undefined) continue;
    const brokerCode = refused.get(topic)!;
    logger.log('error', 'A handled command was dead-lettered: the broker refuses its reply topic', {
      participant,
      commandType: command.commandType,
      sagaId: command.sagaId,
      step: command.stepId,
      attempt: command.attempt,
      messageId: command.messageId,
      topic,
      brokerCode,
    });
    deadLetters.push({
      message,
      reason:
        `reply refused: the broker refuses the reply topic ${JSON.stringify(topic)} (${brokerCode}); ` +
        `the command was handled and its outcome is kept under its idempotency key, which answers a replay`,
    });
  }
  return deadLetters;
}

/** Tells that a reply went cut down (replyTooLargeStandIn): by its headers, never its values. */
function logReplaced(
  { participant, logger }: CommandBatchHandlerOptions,
  reply: OutgoingMessage,
  brokerCode: string,
): void {
  logger.log('error', 'A reply too large for the broker went without its result or details', {
    participant,
    topic: reply.topic,
    sagaId: reply.headers[HEADERS.sagaId],
    step: reply.headers[HEADERS.stepId],
    attempt: reply.headers[HEADERS.attempt],
    messageId: reply.headers[HEADERS.messageId],
    brokerCode,
    bytes: Buffer.byteLength(reply.value),
  });
}

/**
 * The late-command rule: a compensation closes its step's key, so the step's command, should
 * it arrive later (delayed, redelivered), is refused and never applied.
 */
function closedByCompensation(command: CommandMessage): ClosedKey | undefined {
  if (command.action !== 'compensate') return undefined;
  return {
    key: idempotencyKey(command.sagaId, command.stepId, 'execute'),
    outcome: {
      status: 'failure',
      code: ALREADY_COMPENSATED,
      message: `step ${command.stepId} was compensated before its command arrived; the command is refused`,
    },
  };
}
