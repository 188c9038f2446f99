import type { CommandMessage, ReplyOutcome } from '#contracts';
import { runCommandHandler, type CommandHandlers } from './command-handler.js';
import { checkCommand } from './command-validation.js';
import type { IdempotencyStore } from './idempotency-store.js';
import type { ParticipantLogger } from './participant-logger.js';
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
}

/**
 * Handles a batch of a participant's commands, one after the other: dead-letters what is not a
 * valid command, answers a duplicate (same idempotency key) with the outcome recorded the first
 * time without running the handler, runs the handler otherwise and records a final outcome
 * before replying, then publishes every reply at once. Throws only when the store or the
 * publisher fails, so the batch is handed over again; what was recorded is not redone.
 */
export function createCommandBatchHandler(
  options: CommandBatchHandlerOptions,
): (messages: readonly IncomingMessage[]) => Promise<BatchOutcome> {
  const { participant, topicPrefix, publisher, now } = options;
  return async (messages) => {
    const deadLetters: DeadLetter[] = [];
    const replies: OutgoingMessage[] = [];
    for (const message of messages) {
      const checked = checkCommand(message, { participant, topicPrefix });
      if (!checked.ok) {
        deadLetters.push({ message, reason: checked.reason });
        continue;
      }
      const { command } = checked;
      const outcome = await decide(options, command);
      replies.push(replyMessage(command, replyEnvelope(command, outcome, now()), message.headers));
    }
    if (replies.length > 0) await publisher.publish(replies);
    return { deadLetters };
  };
}

/** The outcome to answer `command` with: the recorded one, or the handler's. */
async function decide(
  options: CommandBatchHandlerOptions,
  command: CommandMessage,
): Promise<ReplyOutcome> {
  const { idempotencyStore, logger } = options;
  const fields = {
    participant: command.participant,
    commandType: command.commandType,
    sagaId: command.sagaId,
    messageId: command.messageId,
  };
  const recorded = await idempotencyStore.find(command.idempotencyKey);
  if (recorded !== undefined) {
    logger.log('info', 'A duplicate command was answered with the first reply', fields);
    return recorded;
  }
  const handler = options.handlers[command.commandType];
  if (handler === undefined) {
    logger.log('warn', 'A command of an unknown type was refused', fields);
    return {
      status: 'error',
      code: 'UNKNOWN_COMMAND',
      message: `${command.participant} has no handler for ${command.commandType}`,
      retryable: false,
    };
  }
  const outcome = await runCommandHandler(handler, command, (error) =>
    logger.log('error', 'A command handler crashed', { ...fields, error: describe(error) }),
  );
  // A technical error is not recorded: the coordinator retries under the same key, and must be heard.
  if (outcome.status === 'error') return outcome;
  return idempotencyStore.record(command.idempotencyKey, outcome);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}
