import type { JsonValue } from '#contracts';
import type { CommandToSend } from '../engine/effect.js';
import type { RandomSource } from '../retry/random-source.js';
import { errorWith, fail, neverReply, succeed, type Behaviour } from './participant-behaviour.js';

/** Probabilities (each in [0, 1]) and latencies of randomly misbehaving participants; all optional. */
export interface RandomBehaviourOptions {
  /** Chance of a retryable technical error (default 0.1). */
  readonly errorRate?: number;
  /** Chance of a business failure; forward commands only, compensations are never refused (default 0.02). */
  readonly failureRate?: number;
  /** Chance of no reply at all (default 0.02). */
  readonly timeoutRate?: number;
  /** Reply latency range in virtual ms (default 5 to 50). */
  readonly latencyMs?: { readonly min: number; readonly max: number };
  /** The result of a success (default null). */
  result?(command: CommandToSend): JsonValue;
}

/** Draws a behaviour for a command from the options, using `random` for every draw. */
export function randomBehaviour(
  options: RandomBehaviourOptions,
  command: CommandToSend,
  random: RandomSource,
): Behaviour {
  const { errorRate = 0.1, failureRate = 0.02, timeoutRate = 0.02 } = options;
  const { min, max } = options.latencyMs ?? { min: 5, max: 50 };
  const latencyMs = min + Math.floor(random() * (max - min + 1));
  const draw = random();
  const failure = command.action === 'execute' ? failureRate : 0;
  if (draw < failure) return fail('random-failure', { latencyMs });
  if (draw < failure + errorRate) return errorWith('random-error', { latencyMs });
  if (draw < failure + errorRate + timeoutRate) return neverReply();
  return succeed(options.result ? options.result(command) : null, { latencyMs });
}
