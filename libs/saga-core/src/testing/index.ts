export { VirtualClock } from './virtual-clock.js';
export { SagaHarness, type SagaHarnessOptions, type ScheduledWakeup } from './saga-harness.js';
export {
  runSaga,
  type OperatorAction,
  type RunSagaOptions,
  type RunTarget,
  type SagaRun,
  type SentCommand,
} from './run-saga.js';
export {
  errorTimes,
  errorWith,
  fail,
  neverReply,
  succeed,
  type Behaviour,
  type LatencyOptions,
  type ParticipantScripts,
  type Script,
} from './participant-behaviour.js';
export type { RandomBehaviourOptions } from './random-behaviour.js';
export { error, failure, success } from './outcomes.js';
export { auditIn, commandsIn, effectsOf, eventTypesIn, type EffectOf } from './effect-filters.js';
