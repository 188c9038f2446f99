// Micro-benchmark of what each message costs on the hot path besides its trip: the CPU to
// decode and validate it (JSON.parse, then its zod schema, whose free-JSON fields are checked by
// jsonValueProblems), for the bench saga's messages as the wire carries them; the kit's check of
// a handler's result (fitsReplyResult, which is jsonValueProblems); and the encoding of a
// command's Kafka record, by kafkajs's own encoder and by the lean one every client of the
// project uses (leanKafkajsRecords). Run: `npm run bench:messages`.
import { createRequire } from 'node:module';
import {
  commandHeaders,
  decodeMessage,
  jsonValueProblems,
  parseCommandMessage,
  replyMessageSchema,
  startSagaMessageSchema,
  type CommandMessage,
  type ReplyMessage,
  type StartSagaMessage,
} from '#contracts';
import { kafkaClient } from '#messaging';

const SAGA_ID = '6f1c2a6e-1b7e-4c3a-9e49-5d1b8c1a2f3e';
const input = { key: 'bench-000123-abcdef', fail: false };

const command: CommandMessage = {
  messageId: `${SAGA_ID}:first:execute:1`,
  sagaId: SAGA_ID,
  sagaType: 'bench.three-step',
  sagaVersion: 1,
  stepId: 'first',
  action: 'execute',
  attempt: 1,
  participant: 'echo',
  commandType: 'echo.first',
  idempotencyKey: `${SAGA_ID}:first:execute`,
  replyTo: 'saga.replies',
  payload: input,
  sentAt: '2026-12-06T20:00:00.000Z',
};
const reply: ReplyMessage = {
  messageId: `reply:${SAGA_ID}:first:execute:1`,
  sagaId: SAGA_ID,
  stepId: 'first',
  action: 'execute',
  attempt: 1,
  outcome: { status: 'success', result: input },
  repliedAt: '2026-12-06T20:00:00.001Z',
};
const start: StartSagaMessage = { sagaType: 'bench.three-step', idempotencyKey: input.key, input };

const texts = {
  command: JSON.stringify(command),
  reply: JSON.stringify(reply),
  start: JSON.stringify(start),
};

// A command's record as the coordinator's producer hands it to kafkajs: its key, its value and
// its headers, a trace context among them.
const commandRecord = {
  offsetDelta: 0,
  timestampDelta: 0,
  key: SAGA_ID,
  value: texts.command,
  headers: {
    ...commandHeaders(command),
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  },
};
type RecordEncoder = (record: typeof commandRecord) => unknown;
const RECORD_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/index.js';
const require = createRequire(import.meta.url);
const kafkajsRecord = require(RECORD_MODULE) as RecordEncoder;
kafkaClient({ brokers: ['127.0.0.1:9'] }); // connects nowhere; makes records lean
const leanRecord = require(RECORD_MODULE) as RecordEncoder;
if (leanRecord === kafkajsRecord) throw new Error('the records were not made lean');

/** Runs `check` `count` times after a warm-up; prints µs of CPU per call. */
function measure(label: string, check: () => boolean, count = 300_000): void {
  for (let i = 0; i < 30_000; i++) if (!check()) throw new Error(`${label}: refused`);
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) check();
  const used = process.cpuUsage(before);
  const micros = (used.user + used.system) / count;
  console.log(`${label.padEnd(48)} ${micros.toFixed(2).padStart(6)} µs`);
}

console.log(`what a message costs besides its trip, CPU per message, node ${process.version}`);
for (let run = 1; run <= 3; run++) {
  console.log(`run ${run}`);
  measure(
    'command: JSON.parse and schema (the kit)',
    () => parseCommandMessage(JSON.parse(texts.command)).ok,
  );
  measure(
    'reply: JSON.parse and schema (the coordinator)',
    () => decodeMessage(replyMessageSchema, texts.reply).ok,
  );
  measure(
    'start: JSON.parse and schema (the coordinator)',
    () => decodeMessage(startSagaMessageSchema, texts.start).ok,
  );
  measure(
    "a handler's result: jsonValueProblems (the kit)",
    () => jsonValueProblems(input, 1).length === 0,
  );
  measure(
    "a command's record: kafkajs's own encoder",
    () => kafkajsRecord(commandRecord) !== undefined,
  );
  measure("a command's record: the lean encoder", () => leanRecord(commandRecord) !== undefined);
}
