import { Module, type DynamicModule } from '@nestjs/common';
import type { MessagePublisher } from '#saga-core';
import type { DataSource } from 'typeorm';
import { DeadLetterQueries } from './dead-letter-queries.js';
import { DeadLetterReplayer } from './dead-letter-replayer.js';
import { DeadLettersController } from './dead-letters.controller.js';
import { MAY_HOLD_SENSITIVE } from './may-hold-sensitive.js';

/** Where the dead-letter API reads the index and republishes replays. */
export interface DeadLettersModuleOptions {
  readonly dataSource: DataSource;
  readonly publisher: MessagePublisher;
  /**
   * Whether a dead letter with these headers may hold sensitive fields (its saga type has some);
   * its value is then shown to `read-sensitive` callers only. Default: never.
   */
  readonly mayHoldSensitive?: (headers: Readonly<Record<string, string>>) => boolean;
}

/** The dead-letter API: `GET /dead-letters[/:id]`, `POST /dead-letters[/:id]/replay`. */
@Module({})
export class DeadLettersModule {
  static register(options: DeadLettersModuleOptions): DynamicModule {
    return {
      module: DeadLettersModule,
      controllers: [DeadLettersController],
      providers: [
        { provide: DeadLetterQueries, useValue: new DeadLetterQueries(options.dataSource) },
        { provide: MAY_HOLD_SENSITIVE, useValue: options.mayHoldSensitive ?? (() => false) },
        {
          provide: DeadLetterReplayer,
          useValue: new DeadLetterReplayer(options.dataSource, options.publisher),
        },
      ],
    };
  }
}
