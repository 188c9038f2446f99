import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Companion, RunningCompanion } from '#messaging';
import type { CoordinatorRuntime } from './coordinator-runtime.js';
import { describeError } from '#errors';

/**
 * Starts the runtime when the app boots and stops it on shutdown; the companions the entry
 * point gave (the sample participants of the embedded mode) start after it and stop before it.
 */
export class CoordinatorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Coordinator');
  private readonly running: RunningCompanion[] = [];

  constructor(
    private readonly runtime: CoordinatorRuntime,
    private readonly companions: readonly Companion[] = [],
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Listen without waiting for the consumer groups: after a crash a join can take a session
    // timeout, and liveness must answer meanwhile (readiness says `consumers: joining`).
    await this.runtime.start({ waitForConsumers: false });
    this.runtime.consuming.catch((error: unknown) =>
      this.logger.error(`the consumers could not join their groups: ${describeError(error)}`),
    );
    const context = {
      transport: this.runtime.transport,
      topicPrefix: this.runtime.topics.start.slice(0, -'saga.start'.length),
    };
    for (const companion of this.companions) {
      const running = await companion.start(context);
      this.running.push(running);
      this.logger.log(running.description);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    for (const companion of this.running.splice(0).reverse()) await companion.stop();
    await this.runtime.stop();
  }
}
