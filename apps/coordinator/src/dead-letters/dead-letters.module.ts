import { Module } from '@nestjs/common';
import { DeadLetterQueries } from './dead-letter-queries.js';
import { DeadLetterReplayer } from './dead-letter-replayer.js';
import { DeadLettersController } from './dead-letters.controller.js';
import {
  DEAD_LETTERS_OPTIONS,
  DeadLettersModuleBase,
  type DeadLettersModuleOptions,
} from './dead-letters.module-definition.js';

/**
 * The dead-letter API, `GET /dead-letters[/:id]` and `POST /dead-letters[/:id]/replay`, over
 * the options given to `register` or `registerAsync`.
 */
@Module({
  controllers: [DeadLettersController],
  providers: [
    {
      provide: DeadLetterQueries,
      inject: [DEAD_LETTERS_OPTIONS],
      useFactory: (options: DeadLettersModuleOptions) =>
        new DeadLetterQueries(options.database, options.sealer),
    },
    {
      provide: DeadLetterReplayer,
      inject: [DEAD_LETTERS_OPTIONS],
      useFactory: (options: DeadLettersModuleOptions) =>
        new DeadLetterReplayer(options.database, options.publisher, {}, options.sealer),
    },
  ],
})
export class DeadLettersModule extends DeadLettersModuleBase {}
