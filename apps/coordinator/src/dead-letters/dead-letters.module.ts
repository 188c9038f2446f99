import { Module, type DynamicModule } from '@nestjs/common';
import type { MessagePublisher } from '#saga-core';
import type { DataSource } from 'typeorm';
import { DeadLetterQueries } from './dead-letter-queries.js';
import { DeadLetterReplayer } from './dead-letter-replayer.js';
import { DeadLettersController } from './dead-letters.controller.js';
import type { DeadLetterSealer } from './dead-letter-sealer.js';

/** Where the dead-letter API reads the index and republishes replays. */
export interface DeadLettersModuleOptions {
  readonly dataSource: DataSource;
  readonly publisher: MessagePublisher;
  /** Opens sealed values for `read-sensitive` callers, hides the others' (default: none sealed). */
  readonly sealer?: DeadLetterSealer;
}

/** The dead-letter API: `GET /dead-letters[/:id]`, `POST /dead-letters[/:id]/replay`. */
@Module({})
export class DeadLettersModule {
  static register(options: DeadLettersModuleOptions): DynamicModule {
    return {
      module: DeadLettersModule,
      controllers: [DeadLettersController],
      providers: [
        {
          provide: DeadLetterQueries,
          useValue: new DeadLetterQueries(options.dataSource, options.sealer),
        },
        {
          provide: DeadLetterReplayer,
          useValue: new DeadLetterReplayer(
            options.dataSource,
            options.publisher,
            {},
            options.sealer,
          ),
        },
      ],
    };
  }
}
