import type { CommandMessage } from '#contracts';
import type { SqlRunner } from '#postgres';
import type { StepState } from '#saga-core';

/** A command a half-open breaker let through as a probe. */
export interface ProbeCommand {
  readonly sagaId: string;
  readonly stepId: string;
  readonly action: CommandMessage['action'];
  readonly attempt: number;
}

/**
 * What became of a probe, read from its step: `pending` while the step awaits its answer;
 * `healthy` or `unhealthy` once the answer was decided, on whatever instance (a success or a
 * business failure is health, an error or a timeout is not, as for every outcome a breaker
 * counts); `unknown` when the step moved on otherwise (its saga cancelled, an operator's retry).
 */
export type ProbeOutcome = 'pending' | 'healthy' | 'unhealthy' | 'unknown';

export function probeOutcome(
  step: StepState | undefined,
  probe: Pick<ProbeCommand, 'action' | 'attempt'>,
): ProbeOutcome {
  if (step === undefined) return 'unknown';
  const { attempt } = probe;
  if (probe.action === 'execute') {
    switch (step.status) {
      case 'running':
        return step.attempt === attempt ? 'pending' : 'unknown';
      case 'backing-off':
        return step.attempt === attempt ? 'unhealthy' : 'unknown';
      case 'succeeded':
        return step.attempts === attempt ? 'healthy' : 'unknown';
      case 'failed':
        if (step.attempts !== attempt) return 'unknown';
        return step.outcome.status === 'failure' ? 'healthy' : 'unhealthy';
      case 'outcome-unknown':
        return step.attempts === attempt ? 'unhealthy' : 'unknown';
      default:
        return 'unknown';
    }
  }
  switch (step.status) {
    case 'compensating':
      return step.attempt === attempt ? 'pending' : 'unknown';
    case 'compensation-backing-off':
      return step.attempt === attempt ? 'unhealthy' : 'unknown';
    case 'compensated':
      return step.attempts === attempt ? 'healthy' : 'unknown';
    case 'compensation-exhausted':
      return step.attempts === attempt ? 'unhealthy' : 'unknown';
    default:
      return 'unknown';
  }
}

/** The steps of `probes`, as their sagas' rows hold them now (one statement). */
export async function readProbeSteps(
  sql: SqlRunner,
  probes: readonly ProbeCommand[],
): Promise<(StepState | undefined)[]> {
  const rows = await sql.query<{ ord: number; step: StepState | null }>(
    `SELECT x.ord, s.state->'steps'->x.step_id AS step
     FROM jsonb_to_recordset($1::jsonb) AS x(ord integer, saga_id uuid, step_id text)
     JOIN sagas s ON s.id = x.saga_id`,
    [
      JSON.stringify(
        probes.map((probe, ord) => ({ ord, saga_id: probe.sagaId, step_id: probe.stepId })),
      ),
    ],
  );
  const steps: (StepState | undefined)[] = probes.map(() => undefined);
  for (const { ord, step } of rows) steps[ord] = step ?? undefined;
  return steps;
}
