import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Database } from '#postgres';

/** What the stuck-sagas listing reads, and after how long (ms) a saga without progress is idle. */
export interface StuckSagasSource {
  readonly database: Database;
  readonly stuckAfterMs: number;
}

/** `register(source)` and `registerAsync({ inject, useFactory })`, as Nest builds them. */
export const {
  ConfigurableModuleClass: StuckSagasModuleBase,
  MODULE_OPTIONS_TOKEN: STUCK_SAGAS_SOURCE,
} = new ConfigurableModuleBuilder<StuckSagasSource>().build();
