import { z } from 'zod';
import { isParticipantName } from '#contracts';
import { boundedInt } from './env-fields.js';

/** How one participant's circuit breaker judges its health, and how much traffic it takes. */
export interface ParticipantLimits {
  /** Share of failures (errors and reply timeouts) in the window that opens the breaker, in %. */
  readonly errorThresholdPercentage: number;
  /** Outcomes the window must hold before the breaker may open. */
  readonly volumeThreshold: number;
  /** Length of the rolling window of outcomes, in ms (ten buckets). */
  readonly rollingWindowMs: number;
  /** How long an open breaker waits before it lets probes through (half-open), in ms. */
  readonly resetTimeoutMs: number;
  /** Commands let through while half-open, until an outcome closes or reopens the breaker. */
  readonly halfOpenProbes: number;
  /** Commands sent to the participant whose reply is not decided yet; more wait in the database. */
  readonly maxCommandsInFlight: number;
}

/** Back-pressure and breaker settings of the coordinator. */
export interface ResilienceConfig {
  /** Sagas running or compensating; at the cap, starts wait on the topic and HTTP answers 429. */
  readonly maxSagasInFlight: number;
  /**
   * Replies not yet handled (on the topic or in hand), over the deployment, at which starts
   * pause until they are down to half: each instance pauses its start consumer at its share,
   * that of the reply partitions it owns. Sagas in flight finish before new ones begin (0: never).
   */
  readonly startsPauseAtReplyBacklog: number;
  /**
   * The longest a `POST /sagas` waits, in memory, while the instance is behind on replies (see
   * startsPauseAtReplyBacklog) before it is answered 429, in ms (0: POSTs never wait).
   */
  readonly httpStartWaitMaxMs: number;
  /** How often the counts behind the caps are read from the database, in ms. */
  readonly capacityPollMs: number;
  /** Limits every participant gets unless `overrides` names it. */
  readonly participantDefaults: ParticipantLimits;
  readonly overrides: Readonly<Record<string, Partial<ParticipantLimits>>>;
}

const limitsShape = {
  errorThresholdPercentage: z.number().int().min(1).max(100),
  volumeThreshold: z.number().int().min(0).max(1_000_000),
  rollingWindowMs: z.number().int().min(100).max(3_600_000),
  resetTimeoutMs: z.number().int().min(10).max(3_600_000),
  halfOpenProbes: z.number().int().min(1).max(10_000),
  maxCommandsInFlight: z.number().int().min(1).max(10_000_000),
};

const overridesSchema = z.preprocess(
  (value, context) => {
    if (value === undefined || value === '') return {};
    try {
      return JSON.parse(String(value)) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'expected a JSON object' });
      return z.NEVER;
    }
  },
  z.record(
    z.string().refine(isParticipantName, 'expected a participant name'),
    z.strictObject(limitsShape).partial(),
  ),
);

/** The resilience part of the environment (names in docs/CONFIGURATION.md). */
export const resilienceEnvironmentSchema = z.object({
  MAX_SAGAS_IN_FLIGHT: boundedInt(1, 100_000_000, 10_000),
  STARTS_PAUSE_AT_REPLY_BACKLOG: boundedInt(0, 10_000_000, 100),
  HTTP_START_WAIT_MAX_MS: boundedInt(0, 600_000, 5_000),
  CAPACITY_POLL_MS: boundedInt(10, 60_000, 250),
  BREAKER_ERROR_THRESHOLD_PERCENT: boundedInt(1, 100, 50),
  BREAKER_VOLUME_THRESHOLD: boundedInt(0, 1_000_000, 10),
  BREAKER_ROLLING_WINDOW_MS: boundedInt(100, 3_600_000, 10_000),
  BREAKER_RESET_TIMEOUT_MS: boundedInt(10, 3_600_000, 10_000),
  BREAKER_HALF_OPEN_PROBES: boundedInt(1, 10_000, 3),
  MAX_COMMANDS_IN_FLIGHT_PER_PARTICIPANT: boundedInt(1, 10_000_000, 1_000),
  PARTICIPANT_OVERRIDES: overridesSchema,
});

/** Builds the resilience settings from the parsed environment. */
export function resilienceConfig(
  env: z.infer<typeof resilienceEnvironmentSchema>,
): ResilienceConfig {
  return {
    maxSagasInFlight: env.MAX_SAGAS_IN_FLIGHT,
    startsPauseAtReplyBacklog: env.STARTS_PAUSE_AT_REPLY_BACKLOG,
    httpStartWaitMaxMs: env.HTTP_START_WAIT_MAX_MS,
    capacityPollMs: env.CAPACITY_POLL_MS,
    participantDefaults: {
      errorThresholdPercentage: env.BREAKER_ERROR_THRESHOLD_PERCENT,
      volumeThreshold: env.BREAKER_VOLUME_THRESHOLD,
      rollingWindowMs: env.BREAKER_ROLLING_WINDOW_MS,
      resetTimeoutMs: env.BREAKER_RESET_TIMEOUT_MS,
      halfOpenProbes: env.BREAKER_HALF_OPEN_PROBES,
      maxCommandsInFlight: env.MAX_COMMANDS_IN_FLIGHT_PER_PARTICIPANT,
    },
    overrides: env.PARTICIPANT_OVERRIDES,
  };
}

/** The limits of `participant`: its overrides over the defaults. */
export function limitsOf(config: ResilienceConfig, participant: string): ParticipantLimits {
  return { ...config.participantDefaults, ...config.overrides[participant] };
}
