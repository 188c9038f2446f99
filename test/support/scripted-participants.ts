import {
  commandMessageSchema,
  decodeMessage,
  topicNames,
  type CommandMessage,
  type JsonValue,
  type ReplyMessage,
  type ReplyOutcome,
} from '#contracts';
import type { OutgoingMessage } from '#saga-core';
import type { Message } from 'kafkajs';
import { KafkaTransport, silentTransportLogger } from '#messaging';
import { SAMPLE_PARTICIPANTS } from '../../apps/coordinator/src/sagas/saga-catalog.js';
import { replyEnvelope, replyMessage } from '#saga-participant';
import type { SagaOperations } from '../../apps/coordinator/src/application/saga-operations.js';
import type { CoordinatorEnvironment } from './coordinator-fixture.js';
import { orderInput } from './saga-load.js';
import { kafkaBrokers } from './services.js';
import { recordTopics, type TopicRecorder } from './topic-recorder.js';
import { waitFor } from './wait-for.js';

/** A command as the test's participant received it, with the local time it arrived. */
export interface ReceivedCommand {
  readonly command: CommandMessage;
  readonly headers: Readonly<Record<string, string>>;
  readonly receivedAt: number;
}

/** What to answer a command with; `undefined` leaves it unanswered (the test may answer later). */
export type Script = (command: CommandMessage) => ReplyOutcome | undefined;

/** Which commands to look for: every given field must match. */
export type CommandFilter = Partial<
  Pick<CommandMessage, 'sagaId' | 'stepId' | 'action' | 'attempt' | 'commandType'>
>;

/** Leaves every command unanswered. */
export const silent: Script = () => undefined;

/** A technical error the coordinator retries. */
export const transientError: ReplyOutcome = {
  status: 'error',
  code: 'TEMPORARILY_UNAVAILABLE',
  message: 'try again later',
  retryable: true,
};

/** A success with the result the order saga expects from each of its commands. */
export function succeed(command: CommandMessage): ReplyOutcome {
  const id = `${command.commandType}:${command.idempotencyKey}`;
  const results: Record<string, JsonValue> = {
    'inventory.reserve': { reservationId: id },
    'payment.authorize': { authorizationId: id },
    'payment.capture': { captureId: id },
    'shipping.schedule': { shipmentId: id },
    'notification.send': { notificationId: id },
  };
  return { status: 'success', result: results[command.commandType] ?? {} };
}

/** Answers every command with success. */
export const succeedAll: Script = succeed;

/**
 * The test plays the participants: it reads their command topics on the real Kafka (as a group
 * of its own), records every command, answers what `script` says, and can publish any reply,
 * well-formed or not, to the coordinator. Start it after the coordinator created the topics.
 */
export class ScriptedParticipants {
  /** What to answer; tests may swap it at any time. */
  script: Script;
  private constructor(
    readonly transport: KafkaTransport,
    private recorder: TopicRecorder | undefined,
    private readonly received: ReceivedCommand[],
    script: Script,
  ) {
    this.script = script;
  }

  /** Starts reading `participants`' command topics (default: all sample participants). */
  static async start(
    environment: CoordinatorEnvironment,
    options: { script?: Script; participants?: readonly string[] } = {},
  ): Promise<ScriptedParticipants> {
    const transport = new KafkaTransport(
      { brokers: kafkaBrokers(), clientId: 'test-scripted-participants' },
      { logger: silentTransportLogger },
    );
    const topics = topicNames(environment.topicPrefix);
    const received: ReceivedCommand[] = [];
    const participants = new ScriptedParticipants(
      transport,
      undefined,
      received,
      options.script ?? silent,
    );
    try {
      participants.recorder = await recordTopics(
        transport,
        (options.participants ?? SAMPLE_PARTICIPANTS).map((name) => topics.commands(name)),
        {
          groupId: `${environment.schema}.scripted-participants`,
          onMessage: async (message) => {
            const parsed = decodeMessage(commandMessageSchema, message.value ?? '');
            if (!parsed.ok) throw new Error(`the coordinator sent a bad command: ${parsed.reason}`);
            const command = parsed.value;
            received.push({ command, headers: message.headers, receivedAt: message.receivedAt });
            const outcome = participants.script(command);
            if (outcome !== undefined) await participants.reply(command, outcome);
          },
        },
      );
    } catch (error) {
      await transport.close();
      throw error;
    }
    return participants;
  }

  /** The commands received so far that match `filter`, in arrival order. */
  commands(filter: CommandFilter = {}): ReceivedCommand[] {
    return this.received.filter((received) => matches(received.command, filter));
  }

  /** Waits for the first command that matches `filter`. */
  waitForCommand(filter: CommandFilter, timeoutMs = 20_000): Promise<ReceivedCommand> {
    return waitFor(`a command ${JSON.stringify(filter)}`, () => this.commands(filter)[0], {
      timeoutMs,
      intervalMs: 5,
    });
  }

  /**
   * Starts an order saga through `coordinator` (a runtime's decisions) and waits for its first
   * two commands, which run side by side.
   */
  async startOrder(coordinator: { decisions: Pick<SagaOperations, 'start'> }, key: string) {
    const { sagaId } = await coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: key,
      input: orderInput(key),
    });
    const reserve = await this.waitForCommand({ sagaId, stepId: 'reserve-inventory' });
    const authorize = await this.waitForCommand({ sagaId, stepId: 'authorize-payment' });
    return { sagaId, reserve: reserve.command, authorize: authorize.command };
  }

  /** The reply a participant would give (message id `reply:<command id>`), with `changes` applied. */
  envelope(
    command: CommandMessage,
    outcome: ReplyOutcome,
    changes: Partial<ReplyMessage> = {},
  ): ReplyMessage {
    return { ...replyEnvelope(command, outcome, new Date()), ...changes };
  }

  /**
   * Answers `command` as a participant would (see {@link envelope}), with the contract's headers,
   * to its reply-to topic; resolves with the envelope once the broker has it.
   */
  async reply(
    command: CommandMessage,
    outcome: ReplyOutcome,
    changes: Partial<ReplyMessage> = {},
  ): Promise<ReplyMessage> {
    const envelope = this.envelope(command, outcome, changes);
    await this.transport.publisher.publish([replyMessage(command, envelope, {})]);
    return envelope;
  }

  /** Publishes messages as they are (through the adapter's publisher). */
  publish(messages: readonly OutgoingMessage[]): Promise<void> {
    return this.transport.publisher.publish(messages);
  }

  /** Publishes raw Kafka records to one topic, e.g. a record without a value. */
  sendRecords(topic: string, records: readonly Message[]): Promise<void> {
    return this.transport.publisher.sendRecords(topic, records);
  }

  /** Stops reading and closes the transport. Idempotent. */
  async stop(): Promise<void> {
    await this.recorder?.stop();
    await this.transport.close();
  }
}

function matches(command: CommandMessage, filter: CommandFilter): boolean {
  return Object.entries(filter).every(
    ([field, value]) => command[field as keyof CommandFilter] === value,
  );
}
