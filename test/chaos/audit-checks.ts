// Invariants of the chaos battery read from the coordinator's audit log (saga_audit): the order
// in which compensations were applied against the step graph, and every command answered or
// timed out. Pure functions over the rows, so they can be tested without a database.
import type { Database } from '#postgres';

/** One saga_audit row, as the checks need it. */
export interface AuditRow {
  /** The row's id: the order in which the saga's transitions were committed. */
  readonly id: number;
  readonly sagaId: string;
  readonly eventType: string;
  readonly stepId: string | null;
  readonly attempt: number | null;
  readonly applied: boolean;
  /** The engine's notes, joined with '; ' (`sent X attempt 2`, `step X compensated`, ...). */
  readonly detail: string;
}

/** A saga's steps as the checks need them: what each depends on, whether it can be undone. */
export interface StepGraph {
  readonly steps: readonly {
    readonly id: string;
    readonly dependsOn: readonly string[];
    readonly compensatable: boolean;
  }[];
}

/** Every audit row of the environment, oldest first. */
export async function readAudit(db: Database): Promise<AuditRow[]> {
  const rows = await db.query<{
    id: string;
    saga_id: string;
    event_type: string;
    step_id: string | null;
    attempt: number | null;
    applied: boolean;
    detail: string;
  }>(
    `SELECT id, saga_id, event_type, step_id, attempt, applied, detail FROM saga_audit ORDER BY id`,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    sagaId: row.saga_id,
    eventType: row.event_type,
    stepId: row.step_id,
    attempt: row.attempt,
    applied: row.applied,
    detail: row.detail,
  }));
}

type Action = 'execute' | 'compensate';

/** The notes of a detail that match `pattern` (anchored to one note), with their groups. */
function notes(detail: string, pattern: string): RegExpExecArray[] {
  return [...detail.matchAll(new RegExp(`(?:^|; )${pattern}(?=;|$)`, 'g'))];
}

/**
 * Which action an applied reply or wakeup row answered: the engine's first note says so
 * (`step X compensated`, `compensation of X ...`, `sent compensation of X ...` after a
 * compensation retry wake-up); anything else is about the forward command.
 */
function actionOf(row: AuditRow): Action {
  return /^(step [^ ;]+ compensated|(sent )?compensation of )/.test(row.detail)
    ? 'compensate'
    : 'execute';
}

function bySaga(rows: readonly AuditRow[]): Map<string, AuditRow[]> {
  const sagas = new Map<string, AuditRow[]>();
  for (const row of [...rows].sort((a, b) => a.id - b.id)) {
    if (!row.applied) continue; // fenced off, stale or refused: it changed nothing
    sagas.set(row.sagaId, [...(sagas.get(row.sagaId) ?? []), row]);
  }
  return sagas;
}

/**
 * The compensation order against the step graph: a step's compensation is sent only after
 * every step that depends on it (transitively) and completed was compensated; and a completed
 * step that cannot be undone never has a step it depends on compensated after it.
 */
export function compensationOrderViolations(
  rows: readonly AuditRow[],
  graphOf: (sagaId: string) => StepGraph | undefined,
): string[] {
  const violations: string[] = [];
  for (const [sagaId, history] of bySaga(rows)) {
    const graph = graphOf(sagaId);
    if (graph === undefined) continue;
    const succeeded = new Set<string>();
    const compensatedAt = new Map<string, number>();
    const firstCompensationSentAt = new Map<string, number>();
    for (const row of history) {
      for (const [, step] of notes(row.detail, 'step ([^ ;]+) succeeded')) succeeded.add(step!);
      for (const [, step] of notes(row.detail, 'step ([^ ;]+) compensated')) {
        if (!compensatedAt.has(step!)) compensatedAt.set(step!, row.id);
      }
      for (const [, step] of notes(row.detail, 'sent compensation of ([^ ;]+) attempt \\d+')) {
        if (!firstCompensationSentAt.has(step!)) firstCompensationSentAt.set(step!, row.id);
      }
    }
    const dependents = transitiveDependents(graph);
    for (const [step, sentAt] of firstCompensationSentAt) {
      for (const dependent of dependents.get(step) ?? []) {
        if (!succeeded.has(dependent.id)) continue;
        const undoneAt = compensatedAt.get(dependent.id);
        if (!dependent.compensatable) {
          violations.push(
            `saga ${sagaId}: ${step} compensated though ${dependent.id}, which depends on it, completed and cannot be undone`,
          );
        } else if (undoneAt === undefined || undoneAt > sentAt) {
          violations.push(
            `saga ${sagaId}: compensation of ${step} sent before ${dependent.id}, which depends on it, was compensated`,
          );
        }
      }
    }
  }
  return violations;
}

function transitiveDependents(graph: StepGraph): Map<string, StepGraph['steps'][number][]> {
  const direct = new Map<string, string[]>();
  for (const step of graph.steps) {
    for (const dependency of step.dependsOn) {
      direct.set(dependency, [...(direct.get(dependency) ?? []), step.id]);
    }
  }
  const byId = new Map(graph.steps.map((step) => [step.id, step]));
  const result = new Map<string, StepGraph['steps'][number][]>();
  for (const step of graph.steps) {
    const seen = new Set<string>();
    const queue = [...(direct.get(step.id) ?? [])];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(direct.get(next) ?? []));
    }
    result.set(
      step.id,
      [...seen].map((id) => byId.get(id)!),
    );
  }
  return result;
}

/**
 * Every command sent has its reply applied or its time-out handled: each `sent <step> attempt
 * <n>` (or `sent compensation of <step> attempt <n>`) in the audit log is followed by an applied
 * reply or an applied wake-up for that step, action and attempt. A saga that ended stuck may
 * leave a command unanswered (it stopped waiting, with a reason); a saga still running is
 * reported by the terminal check, not here.
 */
export function unansweredCommands(
  rows: readonly AuditRow[],
  statusOf: (sagaId: string) => string | undefined,
): string[] {
  const violations: string[] = [];
  for (const [sagaId, history] of bySaga(rows)) {
    const status = statusOf(sagaId);
    if (status !== 'completed' && status !== 'compensated') continue;
    const answered = new Map<string, number>(); // `${action} ${step} ${attempt}` → last row id
    for (const row of history) {
      if ((row.eventType !== 'reply' && row.eventType !== 'wakeup') || row.stepId === null) {
        continue;
      }
      answered.set(`${actionOf(row)} ${row.stepId} ${row.attempt}`, row.id);
    }
    for (const row of history) {
      const sends: [Action, RegExpExecArray][] = [
        ...notes(row.detail, 'sent compensation of ([^ ;]+) attempt (\\d+)').map(
          (match) => ['compensate', match] as [Action, RegExpExecArray],
        ),
        ...notes(row.detail, 'sent (?!compensation of )([^ ;]+) attempt (\\d+)').map(
          (match) => ['execute', match] as [Action, RegExpExecArray],
        ),
      ];
      for (const [action, [, step, attempt]] of sends) {
        const at = answered.get(`${action} ${step} ${attempt}`);
        if (at === undefined || at < row.id) {
          violations.push(
            `${status} saga ${sagaId}: ${action === 'compensate' ? 'compensation of ' : ''}${step} attempt ${attempt} sent, never answered nor timed out`,
          );
        }
      }
    }
  }
  return violations;
}
