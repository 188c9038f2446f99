import { isParticipantName } from '#contracts';
import {
  DEFAULT_COMPENSATION_RETRY_POLICY,
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  type RetryPolicy,
  type RetryPolicyOptions,
} from '../retry/retry-policy.js';
import { DefinitionError } from './definition-error.js';
import type { CompensationDefinition, StepDefinition } from './saga-definition.js';
import type { CompensationOptions, StepOptions } from './step-options.js';

/** Step ids: a letter, then letters, digits, `-` or `_` (no `:`, so composed ids stay unambiguous). */
export const STEP_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** A step's options with its type parameters erased, as the builder stores them. */
export type AnyStepOptions = StepOptions<unknown, string, string>;

/** Checks one step on its own (not its place in the graph) and fills in its defaults. */
export function resolveStep(saga: string, options: AnyStepOptions): StepDefinition {
  const fail = (message: string, field?: string): never => {
    throw new DefinitionError(saga, message, options.id, field);
  };
  if (typeof options.id !== 'string' || !STEP_ID_PATTERN.test(options.id)) {
    fail('a step id is a letter followed by letters, digits, "-" or "_" (100 at most)', 'id');
  }
  if (!isParticipantName(options.participant)) {
    fail('use lowercase letters, digits, "-" or "."', 'participant');
  }
  if (typeof options.command !== 'string' || options.command === '') {
    fail('must be a non-empty command type', 'command');
  }
  const kind = options.kind ?? 'compensatable';
  if (!['compensatable', 'pivot', 'retriable'].includes(kind)) {
    fail("must be 'compensatable', 'pivot' or 'retriable'", 'kind');
  }
  if (kind === 'compensatable' && options.compensation === undefined) {
    fail(
      'a compensatable step needs a compensation (or mark it pivot or retriable)',
      'compensation',
    );
  }
  if (kind !== 'compensatable' && options.compensation !== undefined) {
    fail(`a ${kind} step is never compensated: remove its compensation`, 'compensation');
  }
  if (options.compensation === undefined && options.compensationRetry !== undefined) {
    fail('a step without compensation has no compensation to retry', 'compensationRetry');
  }
  checkTimeout(options.timeoutMs, 'timeoutMs', fail);
  checkTimeout(options.compensation?.timeoutMs, 'compensation.timeoutMs', fail);
  const retry = policy(options.retry, DEFAULT_RETRY_POLICY, kind === 'retriable', 'retry', fail);
  const dependsOn: readonly string[] = [...(options.dependsOn ?? [])];
  const duplicate = dependsOn.find((id, index) => dependsOn.indexOf(id) !== index);
  if (duplicate !== undefined) fail(`lists "${duplicate}" twice`, 'dependsOn');
  const compensation = options.compensation && resolveCompensation(options, fail);
  const step: StepDefinition = {
    id: options.id,
    participant: options.participant,
    command: options.command,
    kind,
    dependsOn: Object.freeze(dependsOn),
    retry,
    whenBreakerOpen: options.whenBreakerOpen ?? 'wait',
    buildCommand: options.buildCommand,
    ...(options.onSuccess ? { onSuccess: options.onSuccess } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(compensation ? { compensation } : {}),
  };
  return Object.freeze(step);
}

function resolveCompensation(
  options: AnyStepOptions,
  fail: (message: string, field?: string) => never,
): CompensationDefinition {
  const compensation = options.compensation as CompensationOptions<unknown>;
  if (typeof compensation.command !== 'string' || compensation.command === '') {
    fail('must be a non-empty command type', 'compensation.command');
  }
  const retry = policy(
    options.compensationRetry,
    DEFAULT_COMPENSATION_RETRY_POLICY,
    false,
    'compensationRetry',
    fail,
  );
  const timeoutMs = compensation.timeoutMs ?? options.timeoutMs;
  return Object.freeze({
    command: compensation.command,
    buildCommand: compensation.buildCommand,
    retry,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
}

function policy(
  options: RetryPolicyOptions | undefined,
  defaults: RetryPolicy,
  unlimited: boolean,
  prefix: string,
  fail: (message: string, field?: string) => never,
): RetryPolicy {
  const resolved = resolveRetryPolicy(options, defaults, unlimited);
  return resolved.ok ? resolved.policy : fail(resolved.message, `${prefix}.${resolved.field}`);
}

function checkTimeout(
  value: number | undefined,
  field: string,
  fail: (message: string, field?: string) => never,
): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    fail('must be a number of ms > 0', field);
  }
}
