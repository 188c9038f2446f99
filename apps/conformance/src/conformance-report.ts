import type { ConformanceReport } from './run-conformance.js';

const MARKS = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/**
 * The report as text: one line per rule and subject, failures and skips with their reason, the
 * saga versions not checked, a total.
 */
export function formatReport(report: ConformanceReport): string {
  const lines = [`Conformance of participant ${report.participant} to docs/CONTRACT.md`, ''];
  for (const outcome of report.outcomes) {
    const { rule, verdict } = outcome;
    lines.push(`${MARKS[verdict]}  ${rule.id} (${rule.duty}) on ${outcome.subject}`);
    if (verdict === 'fail')
      lines.push(`      rule: ${rule.text}`, `      found: ${outcome.detail}`);
    if (verdict === 'skip') lines.push(`      not checked: ${outcome.detail}`);
  }
  for (const { saga, reason } of report.skipped) lines.push(`SKIP  ${saga}: ${reason}`);
  const count = (verdict: keyof typeof MARKS) =>
    report.outcomes.filter((outcome) => outcome.verdict === verdict).length;
  const skips = count('skip');
  lines.push(
    '',
    `${count('pass')} passed, ${count('fail')} failed${skips > 0 ? `, ${skips} not checked` : ''}: ${report.passed ? 'CONFORMS' : 'DOES NOT CONFORM'}`,
  );
  return lines.join('\n');
}
