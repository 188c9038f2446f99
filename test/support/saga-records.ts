// Reads a saga's rows straight from the coordinator's schema, for assertions.
import type { Database } from '#postgres';
import { waitFor } from './wait-for.js';

/** A saga's row: its status, the version that guards writes, and the engine's state. */
export interface SagaRecord {
  readonly status: string;
  readonly row_version: number;
  readonly state: Record<string, unknown> & { context: Record<string, unknown> };
}

/** A line of the audit log. */
export interface AuditRecord {
  readonly id: string;
  readonly at: Date;
  readonly event_type: string;
  readonly from_status: string | null;
  readonly to_status: string;
  readonly step_id: string | null;
  readonly attempt: number | null;
  readonly actor: string | null;
  readonly applied: boolean;
  readonly detail: string;
}

/** A step of a saga: its status and attempt. */
export interface StepRecord {
  readonly status: string;
  readonly attempt: number;
}

/** The saga's row, or undefined. */
export async function sagaRecord(db: Database, sagaId: string): Promise<SagaRecord | undefined> {
  const [row] = await db.query<SagaRecord>(
    `SELECT status, row_version, state FROM sagas WHERE id::text = $1`,
    [sagaId],
  );
  return row;
}

/** The saga's audit log, oldest first. */
export function auditRecords(db: Database, sagaId: string): Promise<AuditRecord[]> {
  return db.query<AuditRecord>(
    `SELECT id, at, event_type, from_status, to_status, step_id, attempt, actor, applied, detail
     FROM saga_audit WHERE saga_id::text = $1 ORDER BY id`,
    [sagaId],
  );
}

/** One step as the saga's state holds it (status, and its current or last attempt), or undefined. */
export async function stepRecord(
  db: Database,
  sagaId: string,
  stepId: string,
): Promise<StepRecord | undefined> {
  const [row] = await db.query<{
    step: { status: string; attempt?: number; attempts?: number } | null;
  }>(`SELECT state->'steps'->$2 AS step FROM sagas WHERE id::text = $1`, [sagaId, stepId]);
  const step = row?.step;
  if (!step) return undefined;
  return { status: step.status, attempt: step.attempt ?? step.attempts ?? 0 };
}

/** Waits for the first audit line of the saga that satisfies `predicate`. */
export function waitForAudit(
  db: Database,
  sagaId: string,
  what: string,
  predicate: (record: AuditRecord) => boolean,
  timeoutMs = 20_000,
): Promise<AuditRecord> {
  return waitFor(what, async () => (await auditRecords(db, sagaId)).find(predicate), {
    timeoutMs,
    intervalMs: 10,
  });
}

/** Waits until the step has `status` (and `attempt`, when given). */
export function waitForStep(
  db: Database,
  sagaId: string,
  stepId: string,
  status: string,
  attempt?: number,
  timeoutMs = 20_000,
): Promise<StepRecord> {
  return waitFor(
    `step ${stepId} to be ${status}${attempt === undefined ? '' : ` at attempt ${attempt}`}`,
    async () => {
      const step = await stepRecord(db, sagaId, stepId);
      return step?.status === status && (attempt === undefined || step.attempt === attempt)
        ? step
        : undefined;
    },
    { timeoutMs, intervalMs: 10 },
  );
}
