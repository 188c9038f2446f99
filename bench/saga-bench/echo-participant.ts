// The bench's no-op echo participant, a process of its own: answers every bench command at
// once through the participant kit (in-memory idempotency), refusing the third step when the
// saga's input says `fail`. Env: KAFKA_BROKERS, TOPIC_PREFIX, TOPIC_PARTITIONS.
import { topicNames, type CommandMessage } from '#contracts';
import {
  BusinessRefusal,
  silentParticipantLogger,
  startParticipantRuntime,
  type CommandHandlers,
} from '#saga-participant';
import { KafkaTransport } from '#messaging';
import { BENCH_STEPS, ECHO_PARTICIPANT, REFUSAL_CODE } from './bench-saga.js';

const refuses = (command: CommandMessage) =>
  (command.payload as { fail?: unknown } | null)?.fail === true;

/** Every bench command answered with `{}`; the third step refused when its saga says so. */
export const echoHandlers: CommandHandlers = Object.fromEntries(
  BENCH_STEPS.flatMap((step) => [
    [
      step.command,
      (command: CommandMessage) => {
        if (step.undo === undefined && refuses(command)) throw new BusinessRefusal(REFUSAL_CODE);
        return {};
      },
    ],
    ...(step.undo === undefined ? [] : [[step.undo, () => ({})]]),
  ]),
);

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is required');
  const topicPrefix = process.env.TOPIC_PREFIX ?? '';
  const partitions = Number(process.env.TOPIC_PARTITIONS ?? 8);
  const transport = new KafkaTransport({
    brokers,
    clientId: 'bench-echo',
    consumer: {
      maxWaitTimeMs: 100,
      maxBatchSize: 1_000,
      partitionsConsumedConcurrently: partitions,
    },
  });
  const topics = topicNames(topicPrefix);
  const commands = topics.commands(ECHO_PARTICIPANT);
  await transport.administrator.ensureTopics([
    { topic: commands, partitions },
    { topic: topics.deadLetter(commands), partitions },
  ]);
  const runtime = await startParticipantRuntime({
    participant: ECHO_PARTICIPANT,
    handlers: echoHandlers,
    consumer: transport.createConsumer(),
    publisher: transport.publisher,
    topicPrefix,
    logger: silentParticipantLogger,
  });
  process.send?.('ready');
  console.log(`echo participant ready on ${runtime.commandTopic}`);
  process.once('SIGTERM', () => {
    void runtime
      .stop()
      .then(() => transport.close())
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
