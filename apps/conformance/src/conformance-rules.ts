/** A rule of docs/CONTRACT.md the kit checks, and where the contract states it. */
export interface Rule {
  readonly id: string;
  readonly duty: string;
  readonly text: string;
}

const rule = (id: string, duty: string, text: string): Rule => ({ id, duty, text });

/** Every rule the kit checks, in the order it reports them. */
export const RULES = {
  answersCommand: rule(
    'answers-command',
    'duty 1',
    'a command is answered on its replyTo, keyed by its saga id, echoing sagaId, stepId, action and attempt, in a reply that fits the schema and headers',
  ),
  resultFitsDefinition: rule(
    'result-fits-definition',
    'section 6',
    'a command built from a valid input succeeds with the result the saga definition folds',
  ),
  duplicateGetsFirstOutcome: rule(
    'duplicate-gets-first-outcome',
    'duty 2',
    'a redelivered command is answered with the first outcome, unchanged (the stored one)',
  ),
  retryGetsFirstOutcome: rule(
    'retry-gets-first-outcome',
    'duties 2 and 6',
    'a retry (same key, attempt + 1) is answered with the first outcome, unchanged, and echoes its attempt',
  ),
  oldAttemptGetsFirstOutcome: rule(
    'old-attempt-gets-first-outcome',
    'duty 6',
    'an earlier attempt delivered late is answered with the first outcome, unchanged, and echoes its own attempt',
  ),
  compensationOfUnknownKey: rule(
    'compensation-of-unknown-key',
    'duty 3',
    'a compensation of a step the participant never executed succeeds',
  ),
  lateCommandRefused: rule(
    'late-command-refused',
    'duty 4',
    'a command that arrives after its own compensation is refused with failure ALREADY_COMPENSATED',
  ),
  compensationAfterSuccess: rule(
    'compensation-after-success',
    'duties 2 and 3',
    'a compensation of a step that succeeded succeeds, and its redelivery gets the same outcome',
  ),
  unknownCommandType: rule(
    'unknown-command-type',
    'duty 5',
    'a command type the participant does not serve is answered with an error, retryable false',
  ),
  malformedDeadLettered: rule(
    'malformed-dead-lettered',
    'duty 9',
    'a malformed command goes to <command topic>.dlq with its key and value and a dlq-reason, and gets no reply',
  ),
  partitionNotBlocked: rule(
    'partition-not-blocked',
    'duty 9',
    'a valid command behind malformed ones on the same partition is answered',
  ),
  replyOncePerDelivery: rule(
    'reply-once-per-delivery',
    'duty 1',
    'no command gets more replies than deliveries, and nothing unsent is answered',
  ),
} as const;

/**
 * What the kit found of a rule: it holds (`pass`), it is broken (`fail`), or it could not be
 * checked for a reason that is not the participant's, such as a command the sample inputs
 * cannot build (`skip`).
 */
export type Verdict = 'pass' | 'fail' | 'skip';

/** The verdict on one rule for one subject (a step, or the participant as a whole). */
export interface RuleOutcome {
  readonly rule: Rule;
  /** What was checked, e.g. `order v1 / schedule-shipping`. */
  readonly subject: string;
  readonly verdict: Verdict;
  /** Why it failed or was not checked (or, on a pass, what was seen). */
  readonly detail: string;
}

/** A pass of `rule` on `subject`. */
export function passed(rule: Rule, subject: string, detail = ''): RuleOutcome {
  return { rule, subject, verdict: 'pass', detail };
}

/** A failure of `rule` on `subject`, saying why. */
export function failed(rule: Rule, subject: string, detail: string): RuleOutcome {
  return { rule, subject, verdict: 'fail', detail };
}

/** `rule` not checked on `subject`, through no fault of the participant, saying why. */
export function skipped(rule: Rule, subject: string, reason: string): RuleOutcome {
  return { rule, subject, verdict: 'skip', detail: reason };
}
