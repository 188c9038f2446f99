import type { ConformanceReport } from './run-conformance.js';

/** The report as text: one line per rule and subject, failures with their reason, a total. */
export function formatReport(report: ConformanceReport): string {
  const lines = [`Conformance of participant ${report.participant} to docs/CONTRACT.md`, ''];
  for (const outcome of report.outcomes) {
    const mark = outcome.passed ? 'PASS' : 'FAIL';
    lines.push(`${mark}  ${outcome.rule.id} (${outcome.rule.duty}) on ${outcome.subject}`);
    if (!outcome.passed) {
      lines.push(`      rule: ${outcome.rule.text}`, `      found: ${outcome.detail}`);
    }
  }
  for (const saga of report.skipped) lines.push(`SKIP  ${saga}: no sample input (--inputs)`);
  const failures = report.outcomes.filter((outcome) => !outcome.passed).length;
  lines.push(
    '',
    `${report.outcomes.length - failures} passed, ${failures} failed: ${report.passed ? 'CONFORMS' : 'DOES NOT CONFORM'}`,
  );
  return lines.join('\n');
}
