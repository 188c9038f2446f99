import { createRequire } from 'node:module';

/** A record as kafkajs 2.2.4's produce request hands it to its record encoder (record v0 of batch v2). */
export interface KafkajsRecord {
  readonly offsetDelta?: number;
  readonly timestampDelta?: number;
  readonly key?: unknown;
  readonly value?: unknown;
  readonly headers?: Readonly<Record<string, unknown>>;
}

/** What kafkajs's record batch reads of an encoded record: an Encoder's `buf` and `offset`. */
interface EncodedRecord {
  buf: Buffer;
  offset: number;
}

type RecordEncoder = ((record: KafkajsRecord) => EncodedRecord) & {
  /** On the lean encoder: kafkajs's own, which it replaced. */
  [LEAN]?: RecordEncoder;
};

const LEAN = Symbol.for('saga-coordinator.kafkajs-lean-records');
const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
const PRODUCE_REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request.js';
const ENCODER_MODULE = 'kafkajs/src/protocol/encoder.js';

/** Set once a produce was found to have come first: warned about, not tried again. */
let gaveUp = false;

/**
 * Makes kafkajs encode each record it produces into one buffer of the record's exact size.
 * kafkajs 2.2.4 (its last release) builds a record from an Encoder per header and one for the
 * record, each starting as a zero-filled 512-byte buffer outside V8's heap, plus a Buffer per
 * varint: 37–39 µs of CPU for a command's record with its ten headers, most of it allocation,
 * and garbage to collect (`npm run bench:messages`). The bytes are the same
 * (kafkajs-record-encoder.spec.ts holds the two to each other); a record this encoder does not
 * take as it is (a header value that is neither text nor bytes, a time delta past 2^30 ms)
 * goes to kafkajs's own.
 *
 * It replaces the record module's exports before kafkajs's produce request first loads it
 * (which it does at the process's first produce): called by kafkaClient before it makes a
 * client. A require hook that keeps its own copy of the exports on the module's cache entry
 * (OpenTelemetry's require-in-the-middle does, once tracing is on) gets the lean encoder too.
 * Idempotent. Should a produce have come first (a kafkajs client not made by kafkaClient), or
 * a hook hand out something else, it warns and leaves kafkajs's encoder in place.
 */
export function leanKafkajsRecords(): void {
  const require = createRequire(import.meta.url);
  const recordPath = require.resolve(RECORD_MODULE);
  if (gaveUp || isLean(require.cache[recordPath]?.exports)) return;
  if (require.cache[require.resolve(PRODUCE_REQUEST_MODULE)] !== undefined) {
    gaveUp = true;
    process.emitWarning(
      "kafkajs produced before kafkaClient could make its records lean: records stay kafkajs's own",
    );
    return;
  }
  const kafkajsRecord = require(recordPath) as RecordEncoder;
  const encoderPrototype = (require(ENCODER_MODULE) as { prototype: object }).prototype;
  const lean: RecordEncoder = (record) =>
    encodeRecord(record, encoderPrototype) ?? kafkajsRecord(record);
  lean[LEAN] = kafkajsRecord;
  replaceExports(require.cache[recordPath]!, kafkajsRecord, lean);
  if (require(recordPath) !== lean) {
    process.emitWarning(
      "a require hook hands out kafkajs's record encoder: records stay kafkajs's own",
    );
  }
}

/**
 * Puts `lean` in place of a module's exports on its cache entry, and of any copy of them a
 * require hook keeps on the entry under a symbol of its own (require-in-the-middle answers a
 * later require with that copy).
 */
export function replaceExports(entry: { exports: unknown }, exports: unknown, lean: unknown): void {
  entry.exports = lean;
  const kept = entry as unknown as Record<symbol, unknown>;
  for (const symbol of Object.getOwnPropertySymbols(entry)) {
    if (kept[symbol] === exports) kept[symbol] = lean;
  }
}

function isLean(exports: unknown): boolean {
  return typeof exports === 'function' && LEAN in exports;
}

/** kafkajs's own record encoder, whether or not leanKafkajsRecords replaced it (for tests). */
export function kafkajsRecordEncoder(): (record: KafkajsRecord) => EncodedRecord {
  const require = createRequire(import.meta.url);
  const current = require(RECORD_MODULE) as RecordEncoder;
  return current[LEAN] ?? current;
}

/**
 * The record as kafkajs writes it (length, attributes 0, timestamp and offset deltas, key,
 * value, then the headers in the order of their names, a header with several values once per
 * value), in one buffer; undefined when it holds what only kafkajs's own encoder takes.
 */
export function encodeRecord(
  record: KafkajsRecord,
  encoderPrototype: object,
): EncodedRecord | undefined {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = record;
  if (!isSmallInteger(offsetDelta) || !isSmallInteger(timestampDelta)) return undefined;
  if (headers === null || typeof headers !== 'object') return undefined;
  const keySize = bytesSize(key);
  const valueSize = bytesSize(value);
  if (keySize === undefined || valueSize === undefined) return undefined;

  // Each header value once, with its name and both sizes: measured once, written from here.
  clearScratch(); // (left as it was by a record whose headers threw as they were read)
  const names = scratch.names;
  const parts = scratch.parts;
  const sizes = scratch.sizes;
  let headersSize = 0;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const header = headers[name];
    const nameSize = Buffer.byteLength(name, 'utf8');
    const many = Array.isArray(header);
    for (let index = 0; index < (many ? header.length : 1); index++) {
      const part: unknown = many ? header[index] : header;
      const partSize = typeof part === 'string' || Buffer.isBuffer(part) ? bytesSize(part)! : -1;
      if (partSize < 0) return clearScratch();
      names.push(name);
      parts.push(part);
      sizes.push(nameSize, partSize);
      headersSize += varIntSize(nameSize) + nameSize + varIntSize(partSize) + partSize;
    }
  }

  const bodySize =
    1 +
    varIntSize(timestampDelta) +
    varIntSize(offsetDelta) +
    varIntSize(keySize) +
    Math.max(keySize, 0) +
    varIntSize(valueSize) +
    Math.max(valueSize, 0) +
    varIntSize(names.length) +
    headersSize;
  const buf = Buffer.allocUnsafe(varIntSize(bodySize) + bodySize);
  let at = writeVarInt(buf, 0, bodySize);
  buf[at++] = 0; // attributes: none
  at = writeVarInt(buf, at, timestampDelta);
  at = writeVarInt(buf, at, offsetDelta);
  at = writeBytes(buf, at, key, keySize);
  at = writeBytes(buf, at, value, valueSize);
  at = writeVarInt(buf, at, names.length);
  for (let index = 0; index < names.length; index++) {
    at = writeBytes(buf, at, names[index], sizes[2 * index]!);
    at = writeBytes(buf, at, parts[index], sizes[2 * index + 1]!);
  }
  clearScratch();
  if (at !== buf.length) throw new Error(`record encoded to ${at} bytes, ${buf.length} expected`);
  const encoded = Object.create(encoderPrototype) as EncodedRecord;
  encoded.buf = buf;
  encoded.offset = at;
  return encoded;
}

/**
 * The headers of the record being encoded, in order (reused: encoding is synchronous; emptied
 * after each record, so that no value outlives it here).
 */
const scratch = { names: [] as string[], parts: [] as unknown[], sizes: [] as number[] };

function clearScratch(): undefined {
  scratch.names.length = 0;
  scratch.parts.length = 0;
  scratch.sizes.length = 0;
  return undefined;
}

/** Bytes of a key, value or header value (-1 for none); undefined when it is neither text nor bytes. */
function bytesSize(value: unknown): number | undefined {
  if (value === null || value === undefined) return -1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Buffer.isBuffer(value)) return value.length;
  return undefined;
}

/** Writes `size`'s varint, then the text or bytes (nothing for -1: none). */
function writeBytes(buf: Buffer, at: number, value: unknown, size: number): number {
  at = writeVarInt(buf, at, size);
  if (size <= 0) return at;
  if (typeof value === 'string') return at + buf.write(value, at, size, 'utf8');
  return at + (value as Buffer).copy(buf, at);
}

// Kafka's varints are zigzag-encoded; for values within ±2^30 the 32- and 64-bit forms agree.
const SMALL = 2 ** 30;

function isSmallInteger(value: number): boolean {
  return Number.isInteger(value) && value > -SMALL && value < SMALL;
}

function varIntSize(value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (zigzag >= 0x80) {
    zigzag >>>= 7;
    size++;
  }
  return size;
}

function writeVarInt(buf: Buffer, at: number, value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  while (zigzag >= 0x80) {
    buf[at++] = (zigzag & 0x7f) | 0x80;
    zigzag >>>= 7;
  }
  buf[at++] = zigzag;
  return at;
}
