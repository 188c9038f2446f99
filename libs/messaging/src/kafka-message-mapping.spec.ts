import { DEAD_LETTER_HEADERS } from '#contracts';
import type { KafkaMessage } from 'kafkajs';
import { recordFromJava } from './java-records.fixture.js';
import {
  decodeHeaders,
  toDeadLetterRecord,
  toIncomingMessage,
  toTopicMessages,
} from './kafka-message-mapping.js';
import type { OutgoingMessage } from '#saga-core';

const out = (topic: string, key: string, value: string): OutgoingMessage => ({
  topic,
  key,
  headers: { 'saga-message-id': `${topic}-${value}` },
  value,
});

describe('mapping Kafka records to the port and back', () => {
  it('decodes headers as UTF-8 text, keeping the last value of a repeated header', () => {
    expect(
      decodeHeaders({
        'saga-id': Buffer.from('s-ü'),
        traceparent: '00-a-b-01',
        repeated: [Buffer.from('first'), 'last'],
        missing: undefined,
      }),
    ).toEqual({ 'saga-id': 's-ü', traceparent: '00-a-b-01', repeated: 'last' });
  });

  it('takes a header without a value (kafkajs decodes it as null) for absent, and a repeated one for its last value', () => {
    const { headers } = recordFromJava(0, '{}', [
      ['traceparent', null],
      ['saga-id', 's-1'],
      ['saga-id', null],
      ['nothing', null],
      ['nothing', null],
      ['saga-type', 'order'],
    ]);
    expect(decodeHeaders(headers)).toEqual({ 'saga-id': 's-1', 'saga-type': 'order' });
  });

  it('leaves the header values that are null out of a dead letter, which kafkajs could not write', () => {
    const message = recordFromJava(3, '{}', [
      ['traceparent', null],
      ['saga-id', 's-1'],
      ['saga-id', null],
      ['saga-id', 's-2'],
      ['nothing', null],
    ]);
    const origin = {
      topic: 'saga.replies',
      partition: 0,
      offset: '3',
      reason: 'invalid reply',
      failedAt: new Date('2026-12-07T10:00:00.000Z'),
    };
    const { headers } = toDeadLetterRecord(message, origin);
    expect(headers?.['saga-id']).toEqual([Buffer.from('s-1'), Buffer.from('s-2')]);
    expect(Object.keys(headers ?? {})).not.toContain('traceparent');
    expect(Object.keys(headers ?? {})).not.toContain('nothing');
  });

  it('turns a record into an IncomingMessage, with null key and value kept as null', () => {
    const record = { key: null, value: null, headers: {}, offset: '5' } as unknown as KafkaMessage;
    expect(toIncomingMessage('saga.start', record)).toEqual({
      topic: 'saga.start',
      key: null,
      headers: {},
      value: null,
    });
  });

  it('groups outgoing messages by topic and keeps their order within each topic', () => {
    const batches = toTopicMessages([
      out('a', 'k1', '1'),
      out('b', 'k1', '2'),
      out('a', 'k2', '3'),
      out('a', 'k1', '4'),
    ]);
    expect(batches.map(({ topic, messages }) => [topic, messages.map((m) => m.value)])).toEqual([
      ['a', ['1', '3', '4']],
      ['b', ['2']],
    ]);
    expect(batches[0]?.messages[0]).toEqual({
      key: 'k1',
      value: '1',
      headers: { 'saga-message-id': 'a-1' },
    });
  });

  it.each([
    ['an empty topic', { ...out('a', 'k', '1'), topic: '' }],
    ['a key that is not a string', { ...out('a', 'k', '1'), key: 7 }],
    ['a value that is not text', { ...out('a', 'k', '1'), value: { x: 1 } }],
    ['a header that is not a string', { ...out('a', 'k', '1'), headers: { attempt: 2 } }],
  ])('refuses %s without echoing the content', (_, message) => {
    expect(() => toTopicMessages([message as unknown as OutgoingMessage])).toThrow(/^message #0/);
  });

  it('keeps the raw key, value and headers of a dead letter and adds its own headers', () => {
    const original = {
      key: Buffer.from([0xff, 0x00]),
      value: Buffer.from([0xc3, 0x28]),
      headers: { repeated: [Buffer.from('1'), Buffer.from('2')] },
      offset: '9',
    } as unknown as KafkaMessage;
    const dead = toDeadLetterRecord(original, {
      topic: 't',
      partition: 1,
      offset: '9',
      reason: 'not UTF-8',
      failedAt: new Date(0),
    });
    expect(dead.key).toBe(original.key);
    expect(dead.value).toBe(original.value);
    expect(dead.headers?.repeated).toEqual([Buffer.from('1'), Buffer.from('2')]);
  });

  it('drops every dlq header the original carried, so none says what this dead letter is not', () => {
    const original = {
      key: Buffer.from('k'),
      value: Buffer.from('{}'),
      headers: {
        [DEAD_LETTER_HEADERS.valueTruncated]: Buffer.from('true'),
        [DEAD_LETTER_HEADERS.valueRedacted]: Buffer.from('true'),
        [DEAD_LETTER_HEADERS.reason]: Buffer.from('an earlier reason'),
        kept: Buffer.from('yes'),
      },
      offset: '3',
    } as unknown as KafkaMessage;
    const dead = toDeadLetterRecord(original, {
      topic: 't',
      partition: 0,
      offset: '3',
      reason: 'not a reply',
      failedAt: new Date(0),
    });
    expect(dead.headers).toEqual({
      kept: Buffer.from('yes'),
      [DEAD_LETTER_HEADERS.reason]: 'not a reply',
      [DEAD_LETTER_HEADERS.originalTopic]: 't',
      [DEAD_LETTER_HEADERS.originalPartition]: '0',
      [DEAD_LETTER_HEADERS.originalOffset]: '3',
      [DEAD_LETTER_HEADERS.failedAt]: '1970-01-01T00:00:00.000Z',
    });
  });
});
