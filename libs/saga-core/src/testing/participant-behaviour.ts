import type { JsonValue } from '#contracts';
import type { CommandToSend } from '../engine/effect.js';

/** How long a participant takes to reply, in virtual ms (default 0). */
export interface LatencyOptions {
  readonly latencyMs?: number;
}

/** What a simulated participant does with one command. */
export type Behaviour =
  | { readonly type: 'succeed'; readonly result: JsonValue; readonly latencyMs: number }
  | {
      readonly type: 'fail';
      readonly code: string;
      readonly message: string;
      readonly latencyMs: number;
    }
  | {
      readonly type: 'error';
      readonly code: string;
      readonly message: string;
      readonly retryable?: boolean;
      readonly latencyMs: number;
    }
  | { readonly type: 'no-reply' };

/**
 * A participant's script for one command type: one behaviour for every call, a list used call by
 * call (the last one repeats), or a function of the command and the 0-based call number.
 */
export type Script =
  Behaviour | readonly Behaviour[] | ((command: CommandToSend, call: number) => Behaviour);

/** Scripts by participant, then by command type (compensation command types included). */
export type ParticipantScripts = Readonly<Record<string, Readonly<Record<string, Script>>>>;

/** Replies success with `result` (default null). */
export function succeed(result: JsonValue = null, options: LatencyOptions = {}): Behaviour {
  return { type: 'succeed', result, latencyMs: options.latencyMs ?? 0 };
}

/** Replies a business failure with `code`: the step fails for good. */
export function fail(code: string, options: LatencyOptions & { message?: string } = {}): Behaviour {
  return {
    type: 'fail',
    code,
    message: options.message ?? code,
    latencyMs: options.latencyMs ?? 0,
  };
}

/** Replies a technical error with `code` (retryable unless `retryable` is false). */
export function errorWith(
  code: string,
  options: LatencyOptions & { message?: string; retryable?: boolean } = {},
): Behaviour {
  return {
    type: 'error',
    code,
    message: options.message ?? code,
    ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
    latencyMs: options.latencyMs ?? 0,
  };
}

/** Never replies, so the step's reply timeout fires. */
export function neverReply(): Behaviour {
  return { type: 'no-reply' };
}

/** Errors `times` times with `code`, then behaves as `then` (default: succeed with null). */
export function errorTimes(times: number, code: string, then: Behaviour = succeed()): Behaviour[] {
  return [...Array.from({ length: times }, () => errorWith(code)), then];
}

/** Picks the behaviour of a script for a call. */
export function behaviourFor(script: Script, command: CommandToSend, call: number): Behaviour {
  if (typeof script === 'function') return script(command, call);
  if (!Array.isArray(script)) return script as Behaviour;
  const list = script as readonly Behaviour[];
  return list[Math.min(call, list.length - 1)] ?? succeed();
}
