// The invariants of the chaos battery (issue 5), each a list of named violations.
import type { Database } from '#postgres';
import { SAMPLE_SAGAS } from '../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  compensationOrderViolations,
  readAudit,
  unansweredCommands,
  type StepGraph,
} from './audit-checks.js';
import {
  effectsAgainstOutcomes,
  effectsAppliedTwice,
  repliesAppliedTwice,
  type AppliedEffect,
} from '../support/order-invariants.js';
import type { RawRecord } from '../support/topic-reader.js';

/** The header that marks a message the battery made malformed on purpose. */
export const MALFORMED_MARK = 'chaos-malformed';

/** Violations by invariant. */
export interface ChaosViolations {
  readonly notTerminal: string[];
  readonly stuckWithoutReason: string[];
  readonly effectsAppliedTwice: string[];
  readonly effectsAgainstOutcomes: string[];
  readonly repliesAppliedTwice: string[];
  readonly compensationOutOfOrder: string[];
  readonly commandsUnanswered: string[];
  readonly unsentOutbox: string[];
  readonly malformedNotDeadLettered: string[];
}

/** A saga's end as the coordinator recorded it. */
export interface SagaEnd {
  readonly id: string;
  readonly status: string;
  readonly reason: string | null;
  readonly sagaType: string;
  readonly sagaVersion: number;
}

/** Every saga of the environment with its status and reason. */
export function sagaEnds(db: Database): Promise<SagaEnd[]> {
  return db.query<SagaEnd>(
    `SELECT id, status, state->>'reason' AS reason, saga_type AS "sagaType",
            saga_version AS "sagaVersion" FROM sagas`,
  );
}

/** The step graph of a sample saga type and version, from its definition. */
export function sampleStepGraph(sagaType: string, sagaVersion: number): StepGraph | undefined {
  const definition = SAMPLE_SAGAS.find((d) => d.name === sagaType && d.version === sagaVersion);
  return definition === undefined
    ? undefined
    : {
        steps: definition.steps.map((step) => ({
          id: step.id,
          dependsOn: step.dependsOn,
          compensatable: step.compensation !== undefined,
        })),
      };
}

/**
 * Checks the coordinator's tables, the participants' ledgers and the dead-letter topics:
 * every saga terminal (a stuck one with a reason), no effect twice, effects that match each
 * saga's end (nothing past the pivot compensated, each applied compensatable step undone once,
 * no undo of what never ran), no reply applied twice, compensations in an order that respects
 * the step graph, every command answered or timed out (audit-checks.ts), nothing left in the
 * outbox, and every malformed message in a dead-letter topic with its reason.
 */
export async function checkInvariants(
  db: Database,
  effects: readonly AppliedEffect[],
  malformedSent: readonly string[],
  deadLetters: readonly RawRecord[],
): Promise<ChaosViolations> {
  const ends = await sagaEnds(db);
  const terminal = new Set(['completed', 'compensated', 'stuck']);
  const [outbox] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`,
  );
  const deadLettered = new Set(
    deadLetters
      .filter((record) => record.headers['dlq-reason'])
      .map((record) => record.headers[MALFORMED_MARK]),
  );
  // A stuck saga is terminal; its effects may legitimately be half undone, so only ended ones are matched.
  const ended = ends.filter((saga) => saga.status === 'completed' || saga.status === 'compensated');
  const stuck = new Set(ends.filter((saga) => saga.status === 'stuck').map((saga) => saga.id));
  const byId = new Map(ends.map((saga) => [saga.id, saga]));
  const audit = await readAudit(db);
  return {
    notTerminal: ends.filter((s) => !terminal.has(s.status)).map((s) => `${s.id}: ${s.status}`),
    stuckWithoutReason: ends.filter((s) => s.status === 'stuck' && !s.reason).map((s) => s.id),
    effectsAppliedTwice: effectsAppliedTwice(effects),
    effectsAgainstOutcomes: effectsAgainstOutcomes(
      ended,
      effects.filter((effect) => !stuck.has(effect.idempotencyKey.split(':')[0]!)),
    ),
    repliesAppliedTwice: await repliesAppliedTwice(db),
    compensationOutOfOrder: compensationOrderViolations(audit, (id) => {
      const saga = byId.get(id);
      return saga && sampleStepGraph(saga.sagaType, saga.sagaVersion);
    }),
    commandsUnanswered: unansweredCommands(audit, (id) => byId.get(id)?.status),
    unsentOutbox: (outbox?.n ?? 0) > 0 ? [`${outbox?.n} outbox rows unsent`] : [],
    malformedNotDeadLettered: malformedSent.filter((id) => !deadLettered.has(id)),
  };
}

/** The number of violations in all. */
export function violationCount(violations: ChaosViolations): number {
  return Object.values(violations).reduce((sum, list: string[]) => sum + list.length, 0);
}
