import { parseReplyMessage, type CommandMessage, type JsonValue } from '#contracts';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { BusinessRefusal } from './business-refusal.js';
import { createCommandBatchHandler } from './command-batch-handler.js';
import type { CommandHandlers } from './command-handler.js';
import { commandFor } from './command.fixture.js';
import { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';
import type { ParticipantLogger } from './participant-logger.js';

const COMMANDS = 'test.inventory.commands';
/** A broker's default limit of one produce request's records to a partition (max.message.bytes). */
const ONE_MIB = 1024 * 1024;

/**
 * A publisher that refuses, as a broker does, a publish whose records pass `maxBytes` once
 * UTF-8 encoded (kafkajs reports it as a protocol error of type MESSAGE_TOO_LARGE).
 */
function sizeLimitedPublisher(maxBytes = ONE_MIB) {
  const published: OutgoingMessage[] = [];
  const publisher: MessagePublisher = {
    publish: async (messages) => {
      if (messages.reduce((sum, message) => sum + bytesOf(message), 0) > maxBytes) {
        throw Object.assign(new Error('The request included a message larger than the max'), {
          type: 'MESSAGE_TOO_LARGE',
        });
      }
      published.push(...messages);
    },
  };
  return { publisher, published };
}

const bytesOf = (message: OutgoingMessage) =>
  Buffer.byteLength(message.key) +
  Buffer.byteLength(message.value) +
  Object.entries(message.headers).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );

/** The batch handler of `inventory` over an in-memory store, with its replies and log lines. */
function inventoryWith(
  handlers: CommandHandlers,
  publish = sizeLimitedPublisher(),
  idempotencyStore = new InMemoryIdempotencyStore(),
) {
  const logged: string[] = [];
  const logger: ParticipantLogger = {
    log: (level, message, fields) => logged.push(`${level} ${message} ${JSON.stringify(fields)}`),
  };
  const handle = createCommandBatchHandler({
    participant: 'inventory',
    topicPrefix: 'test.',
    handlers,
    publisher: publish.publisher,
    idempotencyStore,
    now: () => new Date('2026-11-28T09:00:01.000Z'),
    logger,
  });
  const replies = () =>
    publish.published.map((message) => {
      const parsed = parseReplyMessage(JSON.parse(message.value));
      if (!parsed.ok) throw new Error(`an invalid reply: ${parsed.reason}`);
      return parsed.value;
    });
  return { handle, replies, logged, idempotencyStore };
}

const incoming = (command: CommandMessage) => ({
  topic: COMMANDS,
  key: command.sagaId,
  headers: {},
  value: JSON.stringify(command),
});

describe('the command batch handler', () => {
  describe('with replies the broker refuses as too large', () => {
    it('publishes in halves, in order, replies that fit one by one but not together', async () => {
      const note = 'x'.repeat(11_000); // ~11 KB a reply: 100 of them pass 1 MiB together
      const inventory = inventoryWith({
        'inventory.reserve': (command) => ({ reservationId: command.sagaId, note }),
      });
      const commands = Array.from({ length: 100 }, (_, i) => commandFor({ sagaId: `saga-${i}` }));

      await expect(inventory.handle(commands.map(incoming))).resolves.toEqual({ deadLetters: [] });

      expect(inventory.replies().map((reply) => reply.sagaId)).toEqual(
        commands.map((command) => command.sagaId),
      );
      expect(inventory.replies().every((reply) => reply.outcome.status === 'success')).toBe(true);
    });

    it('answers a success too large on its own without its result, and the next command as usual', async () => {
      // 400,000 characters (within the contract's 1,000,000), 1.2 MB once encoded.
      const hugeValue = '€'.repeat(400_000);
      const inventory = inventoryWith({
        'inventory.reserve': (command): JsonValue =>
          command.sagaId === 'saga-huge' ? { reservationId: hugeValue } : { ok: true },
      });
      const huge = commandFor({ sagaId: 'saga-huge' });
      const batch = [huge, commandFor({ sagaId: 'saga-next' })].map(incoming);

      await expect(inventory.handle(batch)).resolves.toEqual({ deadLetters: [] });

      expect(inventory.replies().map((reply) => [reply.sagaId, reply.outcome])).toEqual([
        [
          'saga-huge',
          {
            status: 'success',
            result: { replyTooLarge: expect.stringContaining('MESSAGE_TOO_LARGE') },
          },
        ],
        ['saga-next', { status: 'success', result: { ok: true } }],
      ]);
      // The stored outcome stays as it was: a redelivery is answered the same way.
      expect(inventory.idempotencyStore.find(huge.idempotencyKey)).toEqual({
        status: 'success',
        result: { reservationId: hugeValue },
      });
      const told = inventory.logged.filter((line) => line.includes('too large for the broker'));
      expect(told).toHaveLength(1);
      expect(told[0]).toMatch(/^error .*"sagaId":"saga-huge".*"brokerCode":"MESSAGE_TOO_LARGE"/);
      expect(inventory.logged.join('\n')).not.toContain('€€€');
    });

    it('answers a refusal too large on its own with its code and message, without its details', async () => {
      const inventory = inventoryWith({
        'inventory.reserve': () => {
          throw new BusinessRefusal('OUT_OF_STOCK', 'not enough in stock', '€'.repeat(400_000));
        },
      });

      await expect(inventory.handle([incoming(commandFor())])).resolves.toEqual({
        deadLetters: [],
      });

      expect(inventory.replies().map((reply) => reply.outcome)).toEqual([
        { status: 'failure', code: 'OUT_OF_STOCK', message: 'not enough in stock' },
      ]);
    });

    it('answers a redelivered batch the same way, once more', async () => {
      const inventory = inventoryWith({
        'inventory.reserve': () => ({ reservationId: '€'.repeat(400_000) }),
      });
      const batch = [incoming(commandFor())];

      await inventory.handle(batch);
      await expect(inventory.handle(batch)).resolves.toEqual({ deadLetters: [] });

      expect(inventory.replies().map((reply) => reply.outcome)).toEqual([
        { status: 'success', result: { replyTooLarge: expect.any(String) } },
        { status: 'success', result: { replyTooLarge: expect.any(String) } },
      ]);
    });

    it('throws any other failure of the publish, so the batch is handed over again', async () => {
      const down: MessagePublisher = {
        publish: async () => {
          throw Object.assign(new Error('connection refused'), { type: 'NETWORK_EXCEPTION' });
        },
      };
      const inventory = inventoryWith(
        { 'inventory.reserve': () => ({ reservationId: 'r-1' }) },
        { publisher: down, published: [] },
      );

      await expect(inventory.handle([incoming(commandFor())])).rejects.toThrow(
        'connection refused',
      );
    });
  });

  describe('with a reply topic the broker refuses', () => {
    /**
     * A publisher that refuses, as a broker does, a whole publish holding a message to one of
     * `refused`'s topics, with that topic's error; publishes the rest.
     */
    function topicRefusingPublisher(refused: Record<string, unknown>) {
      const published: OutgoingMessage[] = [];
      const publisher: MessagePublisher = {
        publish: async (messages) => {
          const bad = messages.find((message) => Object.hasOwn(refused, message.topic));
          if (bad !== undefined) throw refused[bad.topic];
          published.push(...messages);
        },
      };
      return { publisher, published };
    }
    // As kafkajs reports them: an invalid topic wrapped in a KafkaJSNonRetriableError, a
    // forbidden one as a protocol error.
    const invalid = Object.assign(new Error('The request attempted to perform an operation'), {
      name: 'KafkaJSNonRetriableError',
      cause: Object.assign(new Error('invalid topic'), { type: 'INVALID_TOPIC_EXCEPTION' }),
    });
    const forbidden = Object.assign(new Error('Not authorized to access topics'), {
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    const missing = Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });

    it.each([
      ['invalid', invalid, 'INVALID_TOPIC_EXCEPTION'],
      ['forbidden', forbidden, 'TOPIC_AUTHORIZATION_FAILED'],
    ])(
      'dead-letters, once handled, a command whose reply topic is %s, and answers the others',
      async (_name, refusal, code) => {
        const inventory = inventoryWith(
          { 'inventory.reserve': (command) => ({ reservationId: command.sagaId }) },
          topicRefusingPublisher({ 'test.saga.refused': refusal }),
        );
        const refused = commandFor({ sagaId: 'saga-refused', replyTo: 'test.saga.refused' });
        const batch = [
          commandFor({ sagaId: 'saga-before' }),
          refused,
          commandFor({ sagaId: 'saga-after' }),
        ].map(incoming);

        const outcome = await inventory.handle(batch);

        expect(outcome).toEqual({
          deadLetters: [{ message: batch[1], reason: expect.stringContaining(code) }],
        });
        expect(outcome.deadLetters[0]?.reason).toMatch(/^reply refused: .*"test\.saga\.refused"/);
        expect(inventory.replies().map((reply) => reply.sagaId)).toEqual([
          'saga-before',
          'saga-after',
        ]);
        // Handled and stored: a replay of the dead letter is answered from the store.
        expect(inventory.idempotencyStore.find(refused.idempotencyKey)).toEqual({
          status: 'success',
          result: { reservationId: 'saga-refused' },
        });
        expect(inventory.logged.join('\n')).toMatch(/^error .*"sagaId":"saga-refused"/m);
      },
    );

    it('throws when the reply topic is missing, so the batch is handed over until it exists', async () => {
      const inventory = inventoryWith(
        { 'inventory.reserve': () => ({ reservationId: 'r-1' }) },
        topicRefusingPublisher({ 'test.saga.replies': missing }),
      );

      await expect(inventory.handle([incoming(commandFor())])).rejects.toBe(missing);
    });
  });

  it('logs a crashed handler by its error name and code, never with the values its message holds', async () => {
    const cardToken = 'tok_4111111111111111';
    const inventory = inventoryWith({
      'inventory.reserve': (command) => {
        const { cardToken: token } = command.payload as { cardToken: string };
        // As node-postgres reports a uuid column given the token (SQLSTATE 22P02).
        throw Object.assign(new Error(`invalid input syntax for type uuid: "${token}"`), {
          code: '22P02',
          cause: new Error(`while storing ${token}`),
        });
      },
    });

    await inventory.handle([incoming(commandFor({ payload: { orderId: 'o-1', cardToken } }))]);

    const crashed = inventory.logged.filter((line) => line.includes('A command handler crashed'));
    expect(crashed).toHaveLength(1);
    expect(crashed[0]).toContain(
      '"error":"Error [22P02]: the database refused a value (SQLSTATE 22P02, invalid text representation) <- Error"',
    );
    expect(inventory.logged.join('\n')).not.toContain(cardToken);
    expect(inventory.replies()[0]?.outcome).toMatchObject({ status: 'error', code: 'INTERNAL' });
  });

  it('logs a result that is not JSON once, by its reason, never with its values', async () => {
    const cardToken = 'tok_4111111111111111';
    const inventory = inventoryWith({
      'inventory.reserve': () => ({ cardToken, total: 10n }) as never,
    });

    await inventory.handle([incoming(commandFor())]);

    expect(inventory.replies()[0]?.outcome).toMatchObject({ code: 'INVALID_RESULT' });
    const told = inventory.logged.filter((line) => line.includes('not JSON'));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(
      /^error .*"sagaId":"saga-1".*"reason":"not a JSON value \(bigint\) at \$\.total"/,
    );
    expect(inventory.logged.join('\n')).not.toContain(cardToken);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty'])(
    'refuses the command type %s, which only an object prototype has, as UNKNOWN_COMMAND',
    async (commandType) => {
      const inventory = inventoryWith({
        'inventory.reserve': () => ({ reservationId: 'r-1' }),
      });

      await inventory.handle([incoming(commandFor({ commandType }))]);

      expect(inventory.replies()[0]?.outcome).toEqual({
        status: 'error',
        code: 'UNKNOWN_COMMAND',
        message: `inventory has no handler for ${commandType}`,
        retryable: false,
      });
    },
  );

  describe('with a command type this instance has no handler for (a rolling deploy)', () => {
    /** Two instances of `inventory` over one store: `current` has `handlers`, `old` has none. */
    function twoInstances(handlers: CommandHandlers) {
      const idempotencyStore = new InMemoryIdempotencyStore();
      return {
        current: inventoryWith(handlers, sizeLimitedPublisher(), idempotencyStore),
        old: inventoryWith({}, sizeLimitedPublisher(), idempotencyStore),
        idempotencyStore,
      };
    }
    const unknownCommand = (commandType: string) => ({
      status: 'error',
      code: 'UNKNOWN_COMMAND',
      message: `inventory has no handler for ${commandType}`,
      retryable: false,
    });

    it('answers a retry with the outcome an instance with the handler stored under its key', async () => {
      const { current, old } = twoInstances({
        'inventory.reserve': () => ({ reservationId: 'rsv-1' }),
      });

      await current.handle([incoming(commandFor({ attempt: 1 }))]);
      await old.handle([incoming(commandFor({ attempt: 2 }))]);

      expect(old.replies().map((reply) => [reply.attempt, reply.outcome])).toEqual([
        [2, { status: 'success', result: { reservationId: 'rsv-1' } }],
      ]);
      expect(old.logged.join('\n')).toMatch(/^info .*stored outcome.*"attempt":2/m);
    });

    it('answers UNKNOWN_COMMAND when its key has no outcome, and stores nothing', async () => {
      let runs = 0;
      const { current, old, idempotencyStore } = twoInstances({
        'inventory.reserve': () => ({ reservationId: `rsv-${++runs}` }),
      });
      const first = commandFor({ attempt: 1 });

      await old.handle([incoming(first)]);

      expect(old.replies()[0]?.outcome).toEqual(unknownCommand('inventory.reserve'));
      expect(idempotencyStore.find(first.idempotencyKey)).toBeUndefined();
      await current.handle([incoming(commandFor({ attempt: 2 }))]);
      expect(runs).toBe(1);
      expect(current.replies()[0]?.outcome).toEqual({
        status: 'success',
        result: { reservationId: 'rsv-1' },
      });
    });

    it('answers a late command with the refusal its compensation stored', async () => {
      const { current, old } = twoInstances({
        'inventory.reserve': () => ({ reservationId: 'rsv-1' }),
        'inventory.release': () => ({ released: false }),
      });

      await current.handle([
        incoming(commandFor({ action: 'compensate', commandType: 'inventory.release' })),
      ]);
      await old.handle([incoming(commandFor())]);

      expect(old.replies()[0]?.outcome).toMatchObject({
        status: 'failure',
        code: 'ALREADY_COMPENSATED',
      });
    });

    it('closes no key with a compensation it has no handler for', async () => {
      const { current, old, idempotencyStore } = twoInstances({
        'inventory.reserve': () => ({ reservationId: 'rsv-1' }),
      });
      const compensation = commandFor({ action: 'compensate', commandType: 'inventory.release' });

      await old.handle([incoming(compensation)]);
      await current.handle([incoming(commandFor())]);

      expect(old.replies()[0]?.outcome).toEqual(unknownCommand('inventory.release'));
      expect(idempotencyStore.find(compensation.idempotencyKey)).toBeUndefined();
      expect(current.replies()[0]?.outcome).toEqual({
        status: 'success',
        result: { reservationId: 'rsv-1' },
      });
    });
  });
});
