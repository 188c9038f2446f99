import type { DefinitionSummary, RetrySummary, StepSummary } from './definition-summary.js';

/**
 * A Markdown page about one saga definition, for `docs/definitions/`: its steps in order, each
 * with its participant, commands, payload, what a success adds, timeouts and retry policies.
 * Written so that prettier leaves it as it is (the staleness check compares the text).
 */
export function definitionPage(summary: DefinitionSummary, source: string): string {
  const lines = [
    `# Saga \`${summary.name}\`, version ${summary.version}`,
    '',
    `Generated from [\`${source}\`](../../${source}) by \`npm run docs:generate\`; do not edit.`,
    '',
    ...(summary.description === undefined ? [] : [summary.description, '']),
    `- Participants: ${summary.participants.map((name) => `\`${name}\``).join(', ')}`,
    `- Deadline: ${summary.deadlineMs === undefined ? 'none' : `${summary.deadlineMs} ms`}`,
    `- Sensitive fields: ${list(summary.sensitive)}`,
    `- Events on \`saga.events\`: \`${summary.events}\``,
    '',
    '## Steps',
    '',
    ...summary.steps.flatMap(stepSection),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

function stepSection(step: StepSummary): string[] {
  return [
    `### \`${step.id}\``,
    '',
    `- Participant \`${step.participant}\`, command \`${step.command}\`, ${step.kind}`,
    `- Depends on: ${list(step.dependsOn)}`,
    `- Reply timeout: ${step.timeoutMs === undefined ? 'none' : `${step.timeoutMs} ms`}; breaker open: ${step.whenBreakerOpen}`,
    `- Retries: ${retryText(step.retry)}`,
    ...(step.payload === undefined ? [] : ['', 'Payload:', '', ...code(step.payload)]),
    ...Object.entries(step.onSuccess ?? {}).flatMap(([field, expression]) => [
      '',
      `A success adds \`${field}\`:`,
      '',
      ...code(expression),
    ]),
    ...(step.compensation === undefined
      ? []
      : [
          '',
          `Compensation \`${step.compensation.command}\`, retries: ${retryText(step.compensation.retry)}${
            step.compensation.timeoutMs === undefined
              ? ''
              : `, reply timeout ${step.compensation.timeoutMs} ms`
          }`,
          ...(step.compensation.payload === undefined
            ? []
            : ['', 'Compensation payload:', '', ...code(step.compensation.payload)]),
        ]),
    '',
  ];
}

function retryText(policy: RetrySummary): string {
  const attempts =
    policy.maxAttempts === 'unlimited' ? 'no limit' : `${policy.maxAttempts} attempts`;
  const codes = policy.nonRetryableErrorCodes;
  return (
    `${attempts}, delays from ${policy.initialDelayMs} ms ×${policy.backoffFactor} up to ` +
    `${policy.maxDelayMs} ms (${policy.jitter} jitter)` +
    (codes.length === 0 ? '' : `; never retried: ${codes.map((c) => `\`${c}\``).join(', ')}`)
  );
}

function list(items: readonly string[]): string {
  return items.length === 0 ? 'none' : items.map((item) => `\`${item}\``).join(', ');
}

function code(expression: string): string[] {
  return ['```cel', ...expression.trim().split('\n'), '```'];
}
