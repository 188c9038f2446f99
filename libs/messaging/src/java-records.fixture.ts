import { createRequire } from 'node:module';
import type { KafkaMessage } from 'kafkajs';

/** The part of kafkajs's Encoder a record is written with. */
interface KafkajsEncoder {
  writeInt8(value: number): KafkajsEncoder;
  writeVarInt(value: number): KafkajsEncoder;
  writeVarLong(value: number): KafkajsEncoder;
  writeVarIntBytes(value: Buffer | string | null): KafkajsEncoder;
  writeVarIntArray(encoders: KafkajsEncoder[]): KafkajsEncoder;
  readonly buffer: Buffer;
}

const require = createRequire(import.meta.url);
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => KafkajsEncoder;
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => unknown;
const encodeHeader = require('kafkajs/src/protocol/recordBatch/header/v0/index.js') as (header: {
  key: string;
  value: string | null;
}) => KafkajsEncoder;
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (
  decoder: unknown,
  batch: { firstOffset: string; firstTimestamp: string; magicByte: number },
) => KafkaMessage;

/**
 * A record with key `saga-1`, as kafkajs's own decoder reads it from what a Java producer
 * writes: a header given `null` (`new RecordHeader(name, null)`) has length -1, which kafkajs
 * reads as null (its encoder cannot write one); a name given twice is a repeated header.
 */
export function recordFromJava(
  offset: number,
  value: string,
  headers: readonly (readonly [string, string | null])[],
): KafkaMessage {
  const body = new Encoder()
    .writeInt8(0) // attributes
    .writeVarLong(0) // timestamp delta
    .writeVarInt(0) // offset delta
    .writeVarIntBytes(Buffer.from('saga-1'))
    .writeVarIntBytes(Buffer.from(value))
    .writeVarIntArray(headers.map(([key, text]) => encodeHeader({ key, value: text })));
  const batch = { firstOffset: String(offset), firstTimestamp: '0', magicByte: 2 };
  return decodeRecord(new Decoder(body.buffer), batch);
}
