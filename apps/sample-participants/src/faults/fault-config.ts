import { z } from 'zod';

const rate = z.number().min(0).max(1).default(0);

/** The faults of one participant: each rate is the chance (0..1) per command. */
export const participantFaultsSchema = z.strictObject({
  /** The handler throws a technical error before acting (retried by the coordinator). */
  transientErrorRate: rate,
  /** False keeps transient errors to forward commands: compensations go through (default true). */
  transientErrorsOnCompensations: z.boolean().default(true),
  /** The handler refuses a forward command for a business reason (compensations never). */
  businessFailureRate: rate,
  /** Up to this many milliseconds are added before the handler runs (uniformly drawn). */
  latencyMs: z.int().min(0).max(60_000).default(0),
  /** The process exits after committing the effect and its outcome, before replying. */
  crashAfterCommitRate: rate,
  /**
   * The process exits after committing its N-th reply (counted from its start), before sending
   * it: a crash after commit forced at a known point, whatever the draws (default: never).
   */
  crashAfterCommitAt: z.int().min(1).optional(),
  /** The reply is not sent (the coordinator sees a timeout). */
  dropReplyRate: rate,
  /** The reply is sent twice. */
  duplicateReplyRate: rate,
});

/** The faults of one participant, defaults filled in. */
export type ParticipantFaults = z.infer<typeof participantFaultsSchema>;

/** Faults by participant name; a participant not listed has none. */
export const faultConfigSchema = z.record(z.string().min(1), participantFaultsSchema);

/** Faults by participant name. */
export type FaultConfig = z.infer<typeof faultConfigSchema>;

/** No fault at all. */
export const NO_FAULTS: ParticipantFaults = participantFaultsSchema.parse({});

/** Parses a fault configuration (e.g. the `FAULTS` variable or an admin request body); throws a ZodError naming the bad fields. */
export function parseFaultConfig(value: unknown): FaultConfig {
  return faultConfigSchema.parse(value);
}
