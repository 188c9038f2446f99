import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CommandHandlerExplorer } from './command-handler-explorer.js';
import {
  startParticipantRuntime,
  type ParticipantRuntime,
  type ParticipantRuntimeOptions,
} from './participant-runtime.js';

/** What SagaParticipantModule.forRoot takes: the runtime's options, handlers aside (they are found). */
export type SagaParticipantModuleOptions = Omit<ParticipantRuntimeOptions, 'handlers'>;

/** The injection token of the module's options. */
export const SAGA_PARTICIPANT_OPTIONS = Symbol('SAGA_PARTICIPANT_OPTIONS');

/** Starts the participant once the application has booted, with the handlers found; stops it on shutdown. */
@Injectable()
export class SagaParticipantHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private runtime: ParticipantRuntime | undefined;

  constructor(
    @Inject(SAGA_PARTICIPANT_OPTIONS) private readonly options: SagaParticipantModuleOptions,
    private readonly explorer: CommandHandlerExplorer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const handlers = this.explorer.explore();
    this.runtime = await startParticipantRuntime({ ...this.options, handlers });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime?.stop();
  }

  /** The running participant (its command topic), once the application has booted. */
  get participant(): ParticipantRuntime | undefined {
    return this.runtime;
  }
}

/**
 * Connects a Nest application to its command topic: every provider method marked
 * `@CommandHandler('<type>')` answers that command type, with validation, idempotency, replies
 * and dead letters taken care of by the kit.
 */
@Module({})
export class SagaParticipantModule {
  /** The module for one participant. */
  static forRoot(options: SagaParticipantModuleOptions): DynamicModule {
    return {
      module: SagaParticipantModule,
      imports: [DiscoveryModule],
      providers: [
        { provide: SAGA_PARTICIPANT_OPTIONS, useValue: options },
        CommandHandlerExplorer,
        SagaParticipantHost,
      ],
      exports: [SagaParticipantHost],
    };
  }
}
