import { InitialSchema1764374400000 } from './1764374400000-initial-schema.js';
import { SagaTraceContext1764460800000 } from './1764460800000-saga-trace-context.js';
import { DeadLetters1764633600000 } from './1764633600000-dead-letters.js';
import { Resilience1764720000000 } from './1764720000000-resilience.js';
import { ReplyTimerCommand1764800000000 } from './1764800000000-reply-timer-command.js';
import { DeadLetterEscapedText1764806400003 } from './1764806400003-dead-letter-escaped-text.js';
import { SetAsideAndRetention1764900000000 } from './1764900000000-set-aside-and-retention.js';
import { StateInOneRow1765000000000 } from './1765000000000-state-in-one-row.js';
import { RegisteredDefinitions1765100000000 } from './1765100000000-registered-definitions.js';
import { RetiredVersions1765100000001 } from './1765100000001-retired-versions.js';
import { BulkOperations1765200000000 } from './1765200000000-bulk-operations.js';
import { DecisionVersionCheck1765300000000 } from './1765300000000-decision-version-check.js';
import { LeanWriteSet1765400000000 } from './1765400000000-lean-write-set.js';
import { CompactOutboxHeaders1765400000001 } from './1765400000001-compact-outbox-headers.js';
import { TimersInSagaRow1765500000000 } from './1765500000000-timers-in-saga-row.js';
import { AuditPartitions1765600000000 } from './1765600000000-audit-partitions.js';
import { HeldCommandsSagaIndex1765700000000 } from './1765700000000-held-commands-saga-index.js';
import { OutboxSetAsideRetries1765700000001 } from './1765700000001-outbox-set-aside-retries.js';
import { OutboxFirstFailedAt1765710000000 } from './1765710000000-outbox-first-failed-at.js';
import { BreakerLogRetention1765720000000 } from './1765720000000-breaker-log-retention.js';
import { DeadLetterBytesReplaced1765730000000 } from './1765730000000-dead-letter-bytes-replaced.js';

/** Every migration of the coordinator's schema, oldest first (listed, not globbed: ESM-safe). */
export const coordinatorMigrations = [
  InitialSchema1764374400000,
  SagaTraceContext1764460800000,
  DeadLetters1764633600000,
  Resilience1764720000000,
  ReplyTimerCommand1764800000000,
  DeadLetterEscapedText1764806400003,
  SetAsideAndRetention1764900000000,
  StateInOneRow1765000000000,
  RegisteredDefinitions1765100000000,
  RetiredVersions1765100000001,
  BulkOperations1765200000000,
  DecisionVersionCheck1765300000000,
  LeanWriteSet1765400000000,
  CompactOutboxHeaders1765400000001,
  TimersInSagaRow1765500000000,
  AuditPartitions1765600000000,
  HeldCommandsSagaIndex1765700000000,
  OutboxSetAsideRetries1765700000001,
  OutboxFirstFailedAt1765710000000,
  BreakerLogRetention1765720000000,
  DeadLetterBytesReplaced1765730000000,
];
