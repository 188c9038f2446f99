import { InMemoryTransport, type Companion } from '#messaging';
import { startSampleParticipants } from './sample-participants.js';

/**
 * The sample participants as a companion of the coordinator: in its process, on its transport
 * (the in-process broker of the embedded mode, or Kafka with `SAMPLE_PARTICIPANTS=true`).
 */
export function sampleParticipantsCompanion(): Companion {
  return {
    async start({ transport, topicPrefix }) {
      const participants = await startSampleParticipants({
        consumerFactory: () => transport.createConsumer(),
        publisher: transport.publisher,
        topicPrefix,
      });
      const where = transport instanceof InMemoryTransport ? 'in process' : 'on Kafka';
      return {
        description: `sample participants (inventory, payment, shipping, notification) run ${where}`,
        stop: () => participants.stop(),
      };
    },
  };
}
