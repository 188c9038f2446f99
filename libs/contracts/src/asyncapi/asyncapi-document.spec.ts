import { z } from 'zod';
import { DEAD_LETTER_HEADERS, HEADERS, MESSAGE_TYPES } from '../headers.js';
import { topicNames } from '../topics.js';
import { CHANNEL_IDS } from './asyncapi-channels.js';
import { buildAsyncApiDocument } from './asyncapi-document.js';
import { MESSAGE_IDS } from './asyncapi-messages.js';
import { JSON_SCHEMA_FORMAT, type JsonSchema } from './json-schema.js';

type Schema = JsonSchema & { properties: Record<string, JsonSchema> };
type Message = {
  headers: { schemaFormat: string; schema: Schema };
  payload: { schemaFormat: string; schema: Schema };
  bindings: { kafka: { key: JsonSchema } };
};
type Channel = { address: string; messages: Record<string, { $ref: string }> };
type Operation = { action: string; channel: { $ref: string }; messages: { $ref: string }[] };

const document = buildAsyncApiDocument();
const messages = document.components.messages as Record<string, Message>;
const channels = document.channels as Record<string, Channel>;
const operations = document.operations as Record<string, Operation>;

/** A channel's address with its parameters filled in. */
const addressOf = (channel: Channel, prefix: string, participant: string) =>
  channel.address.replace('{topicPrefix}', prefix).replace('{participant}', participant);

describe('buildAsyncApiDocument', () => {
  it('addresses every topic of the contract, and its dead-letter topic, with the prefix', () => {
    const topics = topicNames('staging.');
    const expected = {
      [CHANNEL_IDS.start]: topics.start,
      [CHANNEL_IDS.commands]: topics.commands('payment'),
      [CHANNEL_IDS.replies]: topics.replies,
      [CHANNEL_IDS.events]: topics.events,
      [CHANNEL_IDS.startDeadLetters]: topics.deadLetter(topics.start),
      [CHANNEL_IDS.commandsDeadLetters]: topics.deadLetter(topics.commands('payment')),
      [CHANNEL_IDS.repliesDeadLetters]: topics.deadLetter(topics.replies),
      [CHANNEL_IDS.eventsDeadLetters]: topics.deadLetter(topics.events),
    };

    const addresses = Object.fromEntries(
      Object.entries(channels).map(([id, channel]) => [
        id,
        addressOf(channel, 'staging.', 'payment'),
      ]),
    );

    expect(addresses).toEqual(expected);
    expect(channels[CHANNEL_IDS.commands]!.address).toBe('{topicPrefix}{participant}.commands');
    expect(document.components.parameters).toMatchObject({ topicPrefix: { default: '' } });
  });

  it('declares draft-07 as the format of every payload and header schema', () => {
    expect(Object.keys(messages).sort()).toEqual(Object.values(MESSAGE_IDS).sort());
    for (const message of Object.values(messages)) {
      expect(message.payload.schemaFormat).toBe(JSON_SCHEMA_FORMAT);
      expect(message.headers.schemaFormat).toBe(JSON_SCHEMA_FORMAT);
      expect(message.headers.schema.type).toBe('object');
    }
  });

  it('gives each message the headers of the contract, required where the coordinator sends them', () => {
    const command = messages[MESSAGE_IDS.command]!.headers.schema;
    const reply = messages[MESSAGE_IDS.reply]!.headers.schema;
    const deadLetter = messages[MESSAGE_IDS.deadLetter]!.headers.schema;

    expect(Object.keys(command.properties).sort()).toEqual(Object.values(HEADERS).sort());
    expect(command.required).toEqual(expect.arrayContaining([HEADERS.messageId, HEADERS.replyTo]));
    expect(command.required).not.toContain(HEADERS.traceparent);
    expect(command.properties[HEADERS.messageType]).toMatchObject({
      const: MESSAGE_TYPES.command,
    });
    expect(reply.required ?? []).toEqual([]);
    expect(Object.keys(deadLetter.properties).sort()).toEqual(
      Object.values(DEAD_LETTER_HEADERS).sort(),
    );
    expect(deadLetter.required).not.toContain(DEAD_LETTER_HEADERS.valueRedacted);
  });

  it('describes the Kafka key of each message', () => {
    const keyOf = (id: string) => messages[id]!.bindings.kafka.key.description;
    expect(keyOf(MESSAGE_IDS.start)).toBe('The idempotency key.');
    expect(keyOf(MESSAGE_IDS.command)).toBe('The saga id.');
    expect(keyOf(MESSAGE_IDS.reply)).toBe('The saga id.');
    expect(keyOf(MESSAGE_IDS.sagaEvent)).toBe('The saga id.');
    expect(keyOf(MESSAGE_IDS.participantEvent)).toBe('The participant name.');
    expect(keyOf(MESSAGE_IDS.deadLetter)).toMatch(/original message's key/);
  });

  it('receives starts and replies and sends commands and events, from the coordinator', () => {
    const byAction = (action: string) =>
      Object.values(operations)
        .filter((operation) => operation.action === action)
        .flatMap((operation) => operation.messages.map((message) => message.$ref));

    expect(byAction('receive')).toEqual(
      expect.arrayContaining([
        `#/channels/${CHANNEL_IDS.start}/messages/${MESSAGE_IDS.start}`,
        `#/channels/${CHANNEL_IDS.replies}/messages/${MESSAGE_IDS.reply}`,
      ]),
    );
    expect(byAction('send')).toEqual(
      expect.arrayContaining([
        `#/channels/${CHANNEL_IDS.commands}/messages/${MESSAGE_IDS.command}`,
        `#/channels/${CHANNEL_IDS.events}/messages/${MESSAGE_IDS.sagaEvent}`,
        `#/channels/${CHANNEL_IDS.events}/messages/${MESSAGE_IDS.participantEvent}`,
      ]),
    );
    for (const operation of Object.values(operations)) {
      const channelId = operation.channel.$ref.replace('#/channels/', '');
      for (const { $ref } of operation.messages) {
        expect(channels[channelId]!.messages).toHaveProperty($ref.split('/').at(-1)!);
      }
    }
  });

  it("holds a start's input to each saga type's schema, the latest version also without sagaVersion", () => {
    const input = (version: number) => z.strictObject({ [`v${version}`]: z.string() }) as z.ZodType;
    const start = buildAsyncApiDocument({
      sagaInputs: [
        { sagaType: 'trip', sagaVersion: 1, schema: input(1) },
        { sagaType: 'trip', sagaVersion: 2, schema: input(2), sensitive: ['card'] },
      ],
    }).components.messages[MESSAGE_IDS.start] as Message;

    expect(start.payload.schema.allOf).toEqual([
      {
        if: {
          properties: { sagaType: { const: 'trip' }, sagaVersion: { const: 1 } },
          required: ['sagaType', 'sagaVersion'],
        },
        then: { properties: { input: expect.objectContaining({ required: ['v1'] }) } },
      },
      {
        if: {
          properties: { sagaType: { const: 'trip' }, sagaVersion: { const: 2 } },
          required: ['sagaType'],
        },
        then: {
          properties: {
            input: expect.objectContaining({
              title: 'trip v2 input',
              description: expect.stringContaining('Sensitive (encrypted at rest'),
              required: ['v2'],
            }),
          },
        },
      },
    ]);
    expect(messages[MESSAGE_IDS.start]!.payload.schema.allOf).toBeUndefined();
  });

  it('follows the envelope schemas: another reply schema gives another document', () => {
    const changed = buildAsyncApiDocument({
      envelopes: { reply: z.strictObject({ messageId: z.string(), extra: z.boolean() }) },
    });

    const reply = changed.components.messages[MESSAGE_IDS.reply] as Message;
    expect(Object.keys(reply.payload.schema.properties)).toEqual(['messageId', 'extra']);
    expect(changed.components.messages[MESSAGE_IDS.command]).toEqual(messages[MESSAGE_IDS.command]);
  });

  it('is deterministic and survives JSON unchanged', () => {
    expect(JSON.stringify(buildAsyncApiDocument())).toBe(JSON.stringify(document));
    expect(JSON.parse(JSON.stringify(document))).toEqual(document);
  });
});
