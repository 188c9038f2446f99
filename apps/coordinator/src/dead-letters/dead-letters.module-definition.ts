import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { MessagePublisher } from '#saga-core';
import type { Database } from '#postgres';
import type { DeadLetterSealer } from './dead-letter-sealer.js';

/** Where the dead-letter API reads the index and republishes replays. */
export interface DeadLettersModuleOptions {
  readonly database: Database;
  readonly publisher: MessagePublisher;
  /** Opens sealed values for `read-sensitive` callers, hides the others' (default: none sealed). */
  readonly sealer?: DeadLetterSealer;
}

/** `register(options)` and `registerAsync({ inject, useFactory })`, as Nest builds them. */
export const {
  ConfigurableModuleClass: DeadLettersModuleBase,
  MODULE_OPTIONS_TOKEN: DEAD_LETTERS_OPTIONS,
} = new ConfigurableModuleBuilder<DeadLettersModuleOptions>().build();
