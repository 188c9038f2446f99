import { createRequire } from 'node:module';
import {
  encodeRecord,
  kafkajsRecordEncoder,
  leanKafkajsRecords,
  replaceExports,
  type KafkajsRecord,
} from './kafkajs-record-encoder.js';

const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder.js') as { prototype: object };
const kafkajsRecord = kafkajsRecordEncoder();

/** The bytes kafkajs's own encoder writes for `record`. */
const kafkajsBytes = (record: KafkajsRecord) =>
  (kafkajsRecord(record) as unknown as { buffer: Buffer }).buffer;

const commandHeaders = {
  'saga-message-type': 'command',
  'saga-id': '6f1c2a6e-1b7e-4c3a-9e49-5d1b8c1a2f3e',
  'saga-message-id': '6f1c2a6e-1b7e-4c3a-9e49-5d1b8c1a2f3e:first:execute:1',
  'saga-step-id': 'first',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  'saga-reply-to': 'saga.replies',
};

const manyHeaders = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`h${i}`, `v${i}`]));

const records: [string, KafkajsRecord][] = [
  [
    'a command as the coordinator sends it',
    {
      offsetDelta: 3,
      timestampDelta: 2,
      key: '6f1c2a6e-1b7e-4c3a-9e49-5d1b8c1a2f3e',
      value: JSON.stringify({ payload: 'x'.repeat(400) }),
      headers: commandHeaders,
    },
  ],
  ['no key, no value, no headers', { key: null, value: null }],
  ['nothing given at all', {}],
  ['empty key and value', { key: '', value: '', headers: { empty: '' } }],
  [
    'bytes as key, value and header',
    {
      key: Buffer.from([0, 1, 2, 255]),
      value: Buffer.alloc(300, 7),
      headers: { raw: Buffer.from([9, 8]) },
    },
  ],
  [
    'text beyond ASCII',
    { key: 'clé-日本-😀', value: 'ünïcödé 漢字 🎉', headers: { 'nom-é': 'valeur-ß', emoji: '👍🏽' } },
  ],
  [
    'a lone surrogate, written as U+FFFD',
    { key: 'a\ud800b', value: '\udc00', headers: { h: 'x\ud83d' } },
  ],
  [
    'a header given several values',
    { value: 'v', headers: { multi: ['a', Buffer.from('b'), 'c'], single: 's' } },
  ],
  ['a header with an empty list', { value: 'v', headers: { none: [], after: 'x' } }],
  ['seventy headers (a two-byte count)', { value: 'v', headers: manyHeaders }],
  ['a value of 20 KB (a three-byte length)', { key: 'k', value: 'y'.repeat(20_000) }],
  ['a value of 64 bytes (a two-byte length)', { value: 'z'.repeat(64) }],
  ['offset deltas at varint edges', { offsetDelta: 64, timestampDelta: 63, value: 'v' }],
  ['large deltas', { offsetDelta: 100_000, timestampDelta: 2 ** 30 - 1, value: 'v' }],
  ['negative time delta', { offsetDelta: 1, timestampDelta: -5_000, value: 'v' }],
  ['negative one', { offsetDelta: 0, timestampDelta: -1, value: 'v' }],
];

describe('encodeRecord: a record in one buffer', () => {
  it.each(records)('writes the bytes kafkajs writes: %s', (_name, record) => {
    const lean = encodeRecord(record, Encoder.prototype);

    expect(lean).toBeDefined();
    expect(lean!.buf.subarray(0, lean!.offset)).toEqual(kafkajsBytes(record));
    expect((lean as unknown as { buffer: Buffer }).buffer).toEqual(kafkajsBytes(record));
  });

  it.each<[string, KafkajsRecord]>([
    ['a header value that is a number', { value: 'v', headers: { n: 1 } }],
    ['a header value left undefined', { value: 'v', headers: { u: undefined } }],
    ['a number among a header’s values', { value: 'v', headers: { m: ['a', 2] } }],
    ['a key that is a number', { key: 5, value: 'v' }],
    ['a time delta past 2^30 ms', { timestampDelta: 2 ** 30, value: 'v' }],
    ['a time delta that is not an integer', { timestampDelta: 1.5, value: 'v' }],
    ['headers that are null', { value: 'v', headers: null as unknown as Record<string, string> }],
  ])('hands %s to kafkajs’s own encoder', (_name, record) => {
    expect(encodeRecord(record, Encoder.prototype)).toBeUndefined();
  });
});

describe('encodeRecord after a record that threw', () => {
  it('writes the next record as kafkajs does, nothing of the one before left in it', () => {
    const throwing = Object.defineProperty({ first: 'a' }, 'second', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    const [, command] = records[0]!;

    expect(() => encodeRecord({ value: 'v', headers: throwing }, Encoder.prototype)).toThrow(
      'boom',
    );
    expect(encodeRecord(command, Encoder.prototype)!.buf).toEqual(kafkajsBytes(command));
  });
});

describe('replaceExports', () => {
  it("also replaces the copy a require hook keeps on the module's entry, and nothing else", () => {
    const own = () => 'own';
    const lean = () => 'lean';
    const hookCopy = Symbol('a hook’s copy');
    const other = Symbol('something else');
    const entry = { exports: own as unknown, [hookCopy]: own as unknown, [other]: 'kept' };

    replaceExports(entry, own, lean);

    expect(entry).toEqual({ exports: lean, [hookCopy]: lean, [other]: 'kept' });
  });
});

describe('leanKafkajsRecords', () => {
  it('puts the lean encoder where kafkajs’s produce request requires its own, once', () => {
    leanKafkajsRecords();
    leanKafkajsRecords();
    const installed = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (
      record: KafkajsRecord,
    ) => { buffer: Buffer };
    const [, command] = records[0]!;

    expect(installed).not.toBe(kafkajsRecord);
    expect(kafkajsRecordEncoder()).toBe(kafkajsRecord);
    expect(installed(command).buffer).toEqual(kafkajsBytes(command));
    // What it does not take, kafkajs's own encoder takes (and refuses, as it always did).
    expect(() => installed({ value: 'v', headers: { n: 1 } })).toThrow(/must be of type string/);
    expect(installed({ timestampDelta: 2 ** 31, value: 'v' }).buffer).toEqual(
      kafkajsBytes({ timestampDelta: 2 ** 31, value: 'v' }),
    );
  });
});
