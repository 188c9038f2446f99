import { randomUUID } from 'node:crypto';
import { commandHeaders, idempotencyKey, type CommandMessage, type ReplyMessage } from '#contracts';
import { commandMessageId, type MessagePublisher } from '#saga-core';
import { WireLog, type Coordinates, type SeenReply } from './wire-log.js';

/** What a command of the kit is about; the rest of the envelope is filled in as the coordinator does. */
export type CommandSpec = Pick<
  CommandMessage,
  | 'sagaId'
  | 'sagaType'
  | 'sagaVersion'
  | 'stepId'
  | 'action'
  | 'attempt'
  | 'commandType'
  | 'payload'
  | 'outcomeUnknown'
>;

/** Why a wait for a reply ended without a valid one. */
export class NoValidReply extends Error {}

/**
 * The kit's side of the conversation with the participant under test: it plays the coordinator
 * (commands on `<prefix><participant>.commands`, keyed by saga id, replies asked on the kit's
 * own topic) and counts what it delivered, so that extra replies can be told apart.
 */
export class ProbeSession {
  /** Deliveries per coordinates (`sagaId stepId action attempt`). */
  private readonly deliveries = new Map<string, { coordinates: Coordinates; count: number }>();
  private readonly sagaIds = new Set<string>();
  readonly log: WireLog;

  constructor(
    private readonly publisher: MessagePublisher,
    readonly participant: string,
    readonly commandTopic: string,
    readonly replyTopic: string,
    readonly timeoutMs: number,
  ) {
    this.log = new WireLog(replyTopic, (sagaId) => this.sagaIds.has(sagaId));
  }

  /** A new saga id of this run (replies and dead letters about it are kept). */
  newSagaId(): string {
    const sagaId = randomUUID();
    this.sagaIds.add(sagaId);
    return sagaId;
  }

  /** Every saga id of this run. */
  get ownSagaIds(): readonly string[] {
    return [...this.sagaIds];
  }

  /** The envelope of `spec`, as the coordinator would build it now (not sent). */
  envelope(spec: CommandSpec): CommandMessage {
    const { sagaId, stepId, action, attempt } = spec;
    return {
      messageId: commandMessageId(sagaId, stepId, action, attempt),
      sagaId,
      sagaType: spec.sagaType,
      sagaVersion: spec.sagaVersion,
      stepId,
      action,
      attempt,
      participant: this.participant,
      commandType: spec.commandType,
      idempotencyKey: idempotencyKey(sagaId, stepId, action),
      replyTo: this.replyTopic,
      payload: spec.payload,
      ...(spec.outcomeUnknown === undefined ? {} : { outcomeUnknown: spec.outcomeUnknown }),
      sentAt: new Date().toISOString(),
    };
  }

  /** Delivers `command` once more (a first delivery, or a duplicate of the same envelope). */
  async deliver(command: CommandMessage): Promise<void> {
    const id = coordinatesId(command);
    const known = this.deliveries.get(id);
    this.deliveries.set(id, { coordinates: command, count: (known?.count ?? 0) + 1 });
    await this.sendRaw(command.sagaId, JSON.stringify(command), commandHeaders(command));
  }

  /** Publishes any text on the command topic under `key` (malformed commands); not counted. */
  async sendRaw(key: string, value: string, headers: Record<string, string> = {}): Promise<void> {
    await this.publisher.publish([{ topic: this.commandTopic, key, headers, value }]);
  }

  /**
   * Delivers `command` and waits for the reply to this delivery (the n-th reply to its
   * coordinates for the n-th delivery); throws NoValidReply when none comes in time or the
   * reply breaks the contract.
   */
  async exchange(command: CommandMessage): Promise<ReplyMessage> {
    await this.deliver(command);
    const wanted = this.deliveries.get(coordinatesId(command))!.count;
    const arrived = await this.log.until(
      () => this.log.repliesTo(command).length >= wanted,
      this.timeoutMs,
    );
    const seen = this.log.repliesTo(command)[wanted - 1];
    if (!arrived || seen === undefined) {
      const unreadable = this.log.unreadableAbout(command.sagaId);
      throw new NoValidReply(
        unreadable.length > 0
          ? `the reply to ${command.commandType} (${describeCoordinates(command)}) cannot be matched to its command: ${unreadable.at(-1)!}`
          : `no reply to ${command.commandType} (${describeCoordinates(command)}) within ${this.timeoutMs} ms`,
      );
    }
    return validReply(seen, command);
  }

  /** Whether the kit delivered a command with these coordinates. */
  wasDelivered(coordinates: Coordinates): boolean {
    return this.deliveries.has(coordinatesId(coordinates));
  }

  /** Coordinates that got more replies than deliveries, with both counts. */
  extraReplies(): { coordinates: Coordinates; delivered: number; replies: number }[] {
    return [...this.deliveries.values()]
      .map(({ coordinates, count }) => ({
        coordinates,
        delivered: count,
        replies: this.log.repliesTo(coordinates).length,
      }))
      .filter(({ delivered, replies }) => replies > delivered);
  }
}

/** `sagaId stepId action attempt`, for messages. */
export function describeCoordinates(c: Coordinates): string {
  return `saga ${c.sagaId}, step ${c.stepId}, ${c.action}, attempt ${c.attempt}`;
}

function validReply(seen: SeenReply, command: CommandMessage): ReplyMessage {
  if (seen.reply === undefined || seen.problem !== undefined) {
    throw new NoValidReply(
      `the reply to ${command.commandType} (${describeCoordinates(command)}) breaks the contract: ${seen.problem ?? 'invalid'}`,
    );
  }
  return seen.reply;
}

function coordinatesId(c: Coordinates): string {
  return `${c.sagaId} ${c.stepId} ${c.action} ${c.attempt}`;
}
