import { Parser } from '@asyncapi/parser';
import { JSON_SCHEMA_FORMAT } from '#contracts';
import type { AnySagaDefinition } from '#saga-core';
import { orderInputSchema, orderSaga } from '../sagas/order.saga.js';
import { SAMPLE_SAGAS } from '../sagas/saga-catalog.js';
import { coordinatorAsyncApi, sagaInputsOf } from './coordinator-asyncapi.js';

// The AsyncAPI parser's diagnostics: 0 is an error (1 warning, 2 information, 3 hint).
const ERROR = 0;

describe("the coordinator's AsyncAPI document", () => {
  const text = JSON.stringify(coordinatorAsyncApi());

  it('is a valid AsyncAPI 3.0.0 document: the parser reports no error', async () => {
    const diagnostics = await new Parser().validate(text);

    const errors = diagnostics.filter((diagnostic) => diagnostic.severity === ERROR);
    expect(errors.map(({ code, message, path }) => ({ code, message, path }))).toEqual([]);
  });

  it('holds every channel, message and operation of the contract, as the parser reads them', async () => {
    const { document } = await new Parser().parse(text);

    const channels = document!.channels().all();
    expect(
      Object.fromEntries(channels.map((channel) => [channel.id(), channel.address()])),
    ).toEqual({
      sagaStart: '{topicPrefix}saga.start',
      participantCommands: '{topicPrefix}{participant}.commands',
      sagaReplies: '{topicPrefix}saga.replies',
      sagaEvents: '{topicPrefix}saga.events',
      sagaStartDeadLetters: '{topicPrefix}saga.start.dlq',
      participantCommandsDeadLetters: '{topicPrefix}{participant}.commands.dlq',
      sagaRepliesDeadLetters: '{topicPrefix}saga.replies.dlq',
      sagaEventsDeadLetters: '{topicPrefix}saga.events.dlq',
    });
    const messages = document!.components().messages().all();
    expect(messages.map((message) => message.id()).sort()).toEqual([
      'command',
      'deadLetter',
      'definitionEvent',
      'participantEvent',
      'reply',
      'sagaEvent',
      'startSaga',
    ]);
    for (const message of messages) {
      expect([
        message.id(),
        message.schemaFormat(),
        message.hasPayload(),
        message.hasHeaders(),
      ]).toEqual([message.id(), JSON_SCHEMA_FORMAT, true, true]);
      expect(message.bindings().get('kafka')?.value()).toHaveProperty('key');
    }
    const actions = document!
      .operations()
      .all()
      .map((operation) => [
        operation.id(),
        operation.action(),
        operation
          .channels()
          .all()
          .map((channel) => channel.id()),
      ]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['receiveStartRequest', 'receive', ['sagaStart']],
        ['receiveReply', 'receive', ['sagaReplies']],
        ['sendCommand', 'send', ['participantCommands']],
        ['sendDefinitionEvent', 'send', ['sagaEvents']],
        ['sendSagaEvent', 'send', ['sagaEvents']],
        ['sendParticipantEvent', 'send', ['sagaEvents']],
      ]),
    );
  });

  it("describes the order saga's input in the start request", () => {
    const start = coordinatorAsyncApi().components.messages.startSaga as {
      payload: { schema: { allOf: { then: { properties: { input: object } } }[] } };
    };

    expect(start.payload.schema.allOf.map((rule) => rule.then.properties.input)).toEqual([
      expect.objectContaining({
        title: 'order v1 input',
        required: ['orderId', 'customerId', 'items', 'amount', 'currency'],
      }),
    ]);
  });
});

describe('sagaInputsOf', () => {
  it('shows the JSON Schema of a document, the zod input of a typed definition, and nothing else', () => {
    const plain: AnySagaDefinition = {
      ...orderSaga,
      name: 'plain',
      input: { safeParse: (value: unknown) => ({ success: true as const, data: value }) },
    };

    const typed: AnySagaDefinition = { ...orderSaga, name: 'typed' } as AnySagaDefinition;

    const inputs = sagaInputsOf([...SAMPLE_SAGAS, typed, plain]);

    expect(inputs).toEqual([
      {
        sagaType: 'order',
        sagaVersion: 1,
        schema: expect.objectContaining({ type: 'object', additionalProperties: false }),
        sensitive: ['payment.cardToken'],
      },
      {
        sagaType: 'typed',
        sagaVersion: 1,
        schema: orderInputSchema,
        sensitive: ['payment.cardToken'],
      },
    ]);
  });
});
