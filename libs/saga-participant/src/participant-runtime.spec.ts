import {
  DEAD_LETTER_HEADERS,
  HEADERS,
  parseReplyMessage,
  type CommandMessage,
  type ReplyMessage,
} from '#contracts';
import { InMemoryTransport, type RecordToAppend } from '#messaging';
import { BusinessRefusal } from './business-refusal.js';
import type { CommandHandlers } from './command-handler.js';
import { commandFor } from './command.fixture.js';
import type { ParticipantLogger } from './participant-logger.js';
import { startParticipantRuntime } from './participant-runtime.js';
import { TechnicalError } from './technical-error.js';
import type { MessagePublisher } from '#saga-core';

const NOW = new Date('2026-11-28T09:00:01.000Z');
const COMMANDS = 'test.inventory.commands';
const REPLIES = 'test.saga.replies';

interface Options {
  /** Fails that many publish calls before letting them through. */
  readonly failedPublishes?: number;
}

/** A runtime for `inventory` over the in-memory transport, with probes for the tests. */
async function participantWith(handlers: CommandHandlers, options: Options = {}) {
  const transport = new InMemoryTransport({ delay: async (_ms, signal) => !signal.aborted });
  const topics = [COMMANDS, `${COMMANDS}.dlq`, REPLIES];
  await transport.administrator.ensureTopics(topics.map((topic) => ({ topic, partitions: 2 })));
  let failures = options.failedPublishes ?? 0;
  const publisher: MessagePublisher = {
    publish: async (messages) => {
      if (failures-- > 0) throw new Error('broker unavailable');
      await transport.publisher.publish(messages);
    },
  };
  const logged: string[] = [];
  const logger: ParticipantLogger = {
    log: (level, message, fields) => logged.push(`${level} ${message} ${JSON.stringify(fields)}`),
  };
  const consumer = transport.createConsumer();
  const runtime = await startParticipantRuntime({
    participant: 'inventory',
    handlers,
    consumer,
    publisher,
    topicPrefix: 'test.',
    now: () => NOW,
    logger,
  });
  const send = async (...messages: Sendable[]) => {
    // Straight into the log, as a broker would hold it: a record may even lack a body.
    transport.broker.append(COMMANDS, messages.map(toRecord));
    await consumer.idle();
  };
  const records = (topic: string) => transport.broker.records(topic).flat();
  const replies = (): ReplyMessage[] =>
    records(REPLIES).map((record) => {
      const parsed = parseReplyMessage(JSON.parse(record.value ?? ''));
      if (!parsed.ok) throw new Error(`an invalid reply: ${parsed.reason}`);
      return parsed.value;
    });
  const stop = async () => {
    await runtime.stop();
    await transport.close();
  };
  return { runtime, send, records, replies, logged, stop };
}

/** A command, a raw body (null: none), or a command with headers. */
type Sendable = CommandMessage | string | null | CommandWithHeaders;

interface CommandWithHeaders {
  readonly command: CommandMessage;
  readonly headers: Record<string, string>;
}

function toRecord(message: Sendable): RecordToAppend {
  if (message === null || typeof message === 'string') {
    return { key: 'saga-x', headers: {}, value: message };
  }
  const { command, headers } = 'command' in message ? message : { command: message, headers: {} };
  return { key: command.sagaId, headers, value: JSON.stringify(command) };
}

/** A handler that reserves and counts how often it ran. */
function countingHandlers() {
  const calls: string[] = [];
  const handlers: CommandHandlers = {
    'inventory.reserve': (command) => {
      calls.push(command.idempotencyKey);
      return { reservationId: `rsv-${calls.length}` };
    },
  };
  return { handlers, calls };
}

describe('the participant runtime', () => {
  it('answers a command with a success reply on its reply-to topic, with the contract headers', async () => {
    const { handlers } = countingHandlers();
    const participant = await participantWith(handlers);

    await participant.send(commandFor());

    const [record] = participant.records(REPLIES);
    expect(record?.key).toBe('saga-1');
    expect(record?.headers).toEqual({
      [HEADERS.messageId]: 'reply:saga-1:reserve-inventory:execute:1',
      [HEADERS.sagaId]: 'saga-1',
      [HEADERS.sagaType]: 'order',
      [HEADERS.stepId]: 'reserve-inventory',
      [HEADERS.attempt]: '1',
      [HEADERS.messageType]: 'saga.reply',
      [HEADERS.contentType]: 'application/json',
      [HEADERS.schemaVersion]: '1',
    });
    expect(participant.replies()).toEqual([
      {
        messageId: 'reply:saga-1:reserve-inventory:execute:1',
        sagaId: 'saga-1',
        stepId: 'reserve-inventory',
        action: 'execute',
        attempt: 1,
        outcome: { status: 'success', result: { reservationId: 'rsv-1' } },
        repliedAt: NOW.toISOString(),
      },
    ]);
    await participant.stop();
  });

  it('answers a duplicate with the first reply and runs the handler once', async () => {
    const { handlers, calls } = countingHandlers();
    const participant = await participantWith(handlers);

    await participant.send(commandFor(), commandFor());
    await participant.send(commandFor({ attempt: 2 }));

    expect(calls).toEqual(['saga-1:reserve-inventory']);
    const replies = participant.replies();
    expect(replies.map((r) => r.attempt)).toEqual([1, 1, 2]);
    expect(replies.map((r) => r.messageId)).toEqual([
      'reply:saga-1:reserve-inventory:execute:1',
      'reply:saga-1:reserve-inventory:execute:1',
      'reply:saga-1:reserve-inventory:execute:2',
    ]);
    for (const reply of replies) {
      expect(reply.outcome).toEqual({ status: 'success', result: { reservationId: 'rsv-1' } });
    }
    await participant.stop();
  });

  it('dead-letters a malformed command with the reason and handles the next one', async () => {
    const { handlers } = countingHandlers();
    const participant = await participantWith(handlers);
    const { sagaType: _dropped, ...withoutSagaType } = commandFor({ sagaId: 'saga-2' });

    await participant.send('{not json', JSON.stringify(withoutSagaType), commandFor());

    const reasons = participant
      .records(`${COMMANDS}.dlq`)
      .map((r) => r.headers[DEAD_LETTER_HEADERS.reason]);
    expect(reasons).toEqual([
      'invalid command: (root): not valid JSON',
      expect.stringMatching(/^invalid command: sagaType: /),
    ]);
    expect(participant.replies().map((r) => r.sagaId)).toEqual(['saga-1']);
    await participant.stop();
  });

  it('dead-letters an empty message, a command for another participant and a foreign reply topic', async () => {
    const { handlers, calls } = countingHandlers();
    const participant = await participantWith(handlers);

    await participant.send(
      null,
      commandFor({ participant: 'payment' }),
      commandFor({ replyTo: 'prod.saga.replies' }),
    );

    const reasons = participant
      .records(`${COMMANDS}.dlq`)
      .map((r) => r.headers[DEAD_LETTER_HEADERS.reason]);
    expect(reasons).toEqual([
      'invalid command: (root): the message has no body',
      'invalid command: participant: addressed to payment, not inventory',
      'invalid command: replyTo: not a topic of this environment (prefix "test.")',
    ]);
    expect(calls).toEqual([]);
    await participant.stop();
  });

  it('answers a business refusal with a failure, and a duplicate with the same failure', async () => {
    let calls = 0;
    const participant = await participantWith({
      'inventory.reserve': () => {
        calls += 1;
        throw new BusinessRefusal('OUT_OF_STOCK', 'not enough apple in stock', { sku: 'apple' });
      },
    });

    await participant.send(commandFor(), commandFor({ attempt: 2 }));

    expect(calls).toBe(1);
    expect(participant.replies().map((r) => r.outcome)).toEqual([
      {
        status: 'failure',
        code: 'OUT_OF_STOCK',
        message: 'not enough apple in stock',
        details: { sku: 'apple' },
      },
      {
        status: 'failure',
        code: 'OUT_OF_STOCK',
        message: 'not enough apple in stock',
        details: { sku: 'apple' },
      },
    ]);
    await participant.stop();
  });

  it('answers a crash with an INTERNAL error that holds nothing of what was thrown, and runs a retry', async () => {
    let calls = 0;
    const participant = await participantWith({
      'inventory.reserve': () => {
        calls += 1;
        if (calls === 1) throw new Error('connect to postgres://app:s3cret@db failed');
        return { reservationId: 'rsv-1' };
      },
    });

    await participant.send(commandFor(), commandFor({ attempt: 2 }));

    const [crash, retry] = participant.replies();
    expect(crash?.outcome).toEqual({
      status: 'error',
      code: 'INTERNAL',
      message: 'inventory could not handle inventory.reserve',
    });
    expect(JSON.stringify(participant.records(REPLIES))).not.toContain('s3cret');
    expect(
      participant.logged.some((line) => line.startsWith('error A command handler crashed')),
    ).toBe(true);
    expect(retry?.outcome).toEqual({ status: 'success', result: { reservationId: 'rsv-1' } });
    await participant.stop();
  });

  it('answers a TechnicalError with its code as a retryable error, storing nothing', async () => {
    let calls = 0;
    const participant = await participantWith({
      'inventory.reserve': () => {
        calls += 1;
        if (calls === 1) throw new TechnicalError('STOCK_DB_DOWN', 'the stock database is down');
        return { reservationId: 'rsv-1' };
      },
    });

    await participant.send(commandFor(), commandFor({ attempt: 2 }));

    expect(participant.replies().map((reply) => reply.outcome)).toEqual([
      {
        status: 'error',
        code: 'STOCK_DB_DOWN',
        message: 'the stock database is down',
        retryable: true,
      },
      { status: 'success', result: { reservationId: 'rsv-1' } },
    ]);
    await participant.stop();
  });

  it('refuses a command type it has no handler for, without retries', async () => {
    const participant = await participantWith({});

    await participant.send(commandFor({ commandType: 'inventory.recount' }));

    expect(participant.replies()[0]?.outcome).toEqual({
      status: 'error',
      code: 'UNKNOWN_COMMAND',
      message: 'inventory has no handler for inventory.recount',
      retryable: false,
    });
    await participant.stop();
  });

  it('answers a result that is not JSON with an error that is not retried', async () => {
    const participant = await participantWith({
      // An undefined field is left out, as JSON.stringify does; a BigInt has no JSON.
      'inventory.reserve': () => ({ reservationId: 1n }) as never,
    });

    await participant.send(commandFor());

    expect(participant.replies()[0]?.outcome).toMatchObject({
      status: 'error',
      code: 'INVALID_RESULT',
      retryable: false,
    });
    await participant.stop();
  });

  it('copies the trace headers of the command onto its reply, and adds none when it has none', async () => {
    const { handlers } = countingHandlers();
    const participant = await participantWith(handlers);
    const trace = {
      [HEADERS.traceparent]: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      [HEADERS.tracestate]: 'vendor=value',
    };

    await participant.send(
      { command: commandFor(), headers: trace },
      commandFor({ sagaId: 'saga-2' }),
    );

    const [traced, plain] = participant
      .records(REPLIES)
      .sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''));
    expect(traced?.headers).toMatchObject(trace);
    expect(plain?.key).toBe('saga-2');
    expect(plain?.headers).not.toHaveProperty(HEADERS.traceparent);
    expect(plain?.headers).not.toHaveProperty(HEADERS.tracestate);
    await participant.stop();
  });

  it('publishes the replies again after a failed publish without running the handler again', async () => {
    const { handlers, calls } = countingHandlers();
    const participant = await participantWith(handlers, { failedPublishes: 2 });

    await participant.send(commandFor());

    expect(calls).toHaveLength(1);
    expect(participant.replies().map((r) => r.outcome)).toEqual([
      { status: 'success', result: { reservationId: 'rsv-1' } },
    ]);
    await participant.stop();
  });
});
