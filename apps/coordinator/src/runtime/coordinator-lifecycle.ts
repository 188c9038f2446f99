import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InMemoryTransport } from '../messaging/index.js';
import {
  startSampleParticipants,
  type SampleParticipants,
} from '../../../sample-participants/src/sample-participants.js';
import type { CoordinatorRuntime } from './coordinator-runtime.js';
import { describeError } from '#errors';

/**
 * Starts the runtime when the app boots and stops it on shutdown; with the in-process
 * transport (or on request) it also runs the sample participants in this process.
 */
export class CoordinatorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Coordinator');
  private participants: SampleParticipants | undefined;

  constructor(
    private readonly runtime: CoordinatorRuntime,
    private readonly withSampleParticipants: boolean,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Listen without waiting for the consumer groups: after a crash a join can take a session
    // timeout, and liveness must answer meanwhile (readiness says `consumers: joining`).
    await this.runtime.start({ waitForConsumers: false });
    this.runtime.consuming.catch((error: unknown) =>
      this.logger.error(`the consumers could not join their groups: ${describeError(error)}`),
    );
    if (this.withSampleParticipants) {
      const transport = this.runtime.transport;
      this.participants = await startSampleParticipants({
        consumerFactory: () => transport.createConsumer(),
        publisher: transport.publisher,
        topicPrefix: this.runtime.topics.start.slice(0, -'saga.start'.length),
      });
      const where = transport instanceof InMemoryTransport ? 'in process' : 'on Kafka';
      this.logger.log(
        `sample participants (inventory, payment, shipping, notification) run ${where}`,
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.participants?.stop();
    await this.runtime.stop();
  }
}
