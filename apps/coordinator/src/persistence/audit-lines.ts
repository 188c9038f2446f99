/** The columns of an audit line, as both audit tables hold them. */
const LINE_COLUMNS = `id, at, event_type, from_status, to_status, step_id, attempt, actor, applied, detail`;

/**
 * A subquery of the audit lines of the saga `sagaId` names (an SQL expression), those after
 * the id `afterId` names if given: from the audit log, and from the table of the lines written
 * before it was partitioned (`saga_audit_legacy`, see the AuditPartitions migration). Ids
 * come from one sequence: ordered by id, they are in the order they were written.
 */
export function auditLinesOf(sagaId: string, afterId?: string): string {
  const after = afterId === undefined ? '' : ` AND id > ${afterId}`;
  return `(SELECT ${LINE_COLUMNS} FROM saga_audit WHERE saga_id = ${sagaId}${after}
    UNION ALL SELECT ${LINE_COLUMNS} FROM saga_audit_legacy WHERE saga_id = ${sagaId}${after})`;
}
