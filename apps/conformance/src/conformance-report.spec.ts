import { formatReport } from './conformance-report.js';
import { failed, passed, RULES, skipped } from './conformance-rules.js';

describe('formatReport', () => {
  it('prints a skipped rule and a skipped saga version with their reasons, apart from failures', () => {
    const text = formatReport({
      participant: 'shipping',
      outcomes: [
        passed(RULES.answersCommand, 'order v1 / schedule-shipping'),
        failed(RULES.lateCommandRefused, 'order v1 / schedule-shipping', 'answered success'),
        skipped(RULES.answersCommand, 'shipment v1 / ship', 'it needs the result of reserve'),
      ],
      skipped: [{ saga: 'order v2', reason: 'the sample input of order does not fit its schema' }],
      passed: false,
    });
    expect(text.split('\n')).toEqual([
      'Conformance of participant shipping to docs/CONTRACT.md',
      '',
      'PASS  answers-command (duty 1) on order v1 / schedule-shipping',
      'FAIL  late-command-refused (duty 4) on order v1 / schedule-shipping',
      `      rule: ${RULES.lateCommandRefused.text}`,
      '      found: answered success',
      'SKIP  answers-command (duty 1) on shipment v1 / ship',
      '      not checked: it needs the result of reserve',
      'SKIP  order v2: the sample input of order does not fit its schema',
      '',
      '1 passed, 1 failed, 1 not checked: DOES NOT CONFORM',
    ]);
  });
});
