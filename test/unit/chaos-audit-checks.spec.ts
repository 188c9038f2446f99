import {
  compensationOrderViolations,
  unansweredCommands,
  type AuditRow,
  type StepGraph,
} from '../chaos/audit-checks.js';

// `ship` depends on `reserve`; both can be undone; `pay` stands alone.
const graph: StepGraph = {
  steps: [
    { id: 'reserve', dependsOn: [], compensatable: true },
    { id: 'pay', dependsOn: [], compensatable: true },
    { id: 'ship', dependsOn: ['reserve'], compensatable: true },
  ],
};

type Row = [eventType: string, stepId: string | null, attempt: number | null, detail: string];

function history(rows: Row[], sagaId = 's1'): AuditRow[] {
  return rows.map(([eventType, stepId, attempt, detail], i) => ({
    id: i + 1,
    sagaId,
    eventType,
    stepId,
    attempt,
    applied: true,
    detail,
  }));
}

const forward: Row[] = [
  ['start', null, null, 'started t v1; sent reserve attempt 1; sent pay attempt 1'],
  ['reply', 'reserve', 1, 'step reserve succeeded; sent ship attempt 1'],
  ['reply', 'ship', 1, 'step ship succeeded'],
  ['wakeup', 'pay', 1, 'step pay attempt 1 timed out after 5000 ms; retry in 200 ms'],
  ['wakeup', 'pay', 1, 'sent pay attempt 2'],
  ['reply', 'pay', 2, 'step pay failed after 2 attempt(s): refused (DECLINED); compensating'],
];

describe('the audit checks of the chaos battery', () => {
  it('accepts compensations that undo dependents first, every command answered', () => {
    const rows = history([
      ...forward.slice(0, -1),
      [
        'reply',
        'pay',
        2,
        'step pay failed after 2 attempt(s): refused (DECLINED); compensating (step-failed); sent compensation of ship attempt 1',
      ],
      ['reply', 'ship', 1, 'step ship compensated; sent compensation of reserve attempt 1'],
      ['reply', 'reserve', 1, 'compensation of reserve attempt 1 errored (X); retry in 200 ms'],
      ['wakeup', 'reserve', 1, 'sent compensation of reserve attempt 2'],
      ['reply', 'reserve', 2, 'step reserve compensated; compensated'],
    ]);

    expect(compensationOrderViolations(rows, () => graph)).toEqual([]);
    expect(unansweredCommands(rows, () => 'compensated')).toEqual([]);
  });

  it('reports a step compensated before a completed step that depends on it', () => {
    const rows = history([
      ...forward.slice(0, -1),
      [
        'reply',
        'pay',
        2,
        'step pay failed after 2 attempt(s): refused (DECLINED); sent compensation of reserve attempt 1; sent compensation of ship attempt 1',
      ],
      ['reply', 'reserve', 1, 'step reserve compensated'],
      ['reply', 'ship', 1, 'step ship compensated; compensated'],
    ]);

    expect(compensationOrderViolations(rows, () => graph)).toEqual([
      'saga s1: compensation of reserve sent before ship, which depends on it, was compensated',
    ]);
  });

  it('reports a step undone under a completed dependent that cannot be undone', () => {
    const pivot: StepGraph = {
      steps: [graph.steps[0]!, { id: 'ship', dependsOn: ['reserve'], compensatable: false }],
    };
    const rows = history([
      ['start', null, null, 'sent reserve attempt 1'],
      ['reply', 'reserve', 1, 'step reserve succeeded; sent ship attempt 1'],
      ['reply', 'ship', 1, 'step ship succeeded; sent compensation of reserve attempt 1'],
      ['reply', 'reserve', 1, 'step reserve compensated; compensated'],
    ]);

    expect(compensationOrderViolations(rows, () => pivot)).toHaveLength(1);
  });

  it('reports a command neither answered nor timed out, unless the saga ended stuck', () => {
    const rows = history([
      ['start', null, null, 'sent reserve attempt 1; sent pay attempt 1'],
      ['reply', 'reserve', 1, 'step reserve succeeded'],
      ['reply', 'pay', 1, 'step pay compensated'], // a compensation reply: not pay's forward one
    ]);

    expect(unansweredCommands(rows, () => 'completed')).toEqual([
      'completed saga s1: pay attempt 1 sent, never answered nor timed out',
    ]);
    expect(unansweredCommands(rows, () => 'stuck')).toEqual([]);
  });

  it('ignores rows that were not applied', () => {
    const rows = history([
      ['start', null, null, 'sent reserve attempt 1'],
      ['reply', 'reserve', 1, 'step reserve succeeded'],
    ]).map((row) => (row.eventType === 'reply' ? { ...row, applied: false } : row));

    expect(unansweredCommands(rows, () => 'completed')).toHaveLength(1);
  });
});
