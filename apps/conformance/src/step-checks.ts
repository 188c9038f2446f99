import { isDeepStrictEqual } from 'node:util';
import { ALREADY_COMPENSATED, type ReplyOutcome } from '#contracts';
import {
  failed,
  passed,
  RULES,
  skipped,
  type Rule,
  type RuleOutcome,
} from './conformance-rules.js';
import {
  compensate,
  fold,
  foldGiven,
  foldOrGiveUp,
  forward,
  missingResults,
  NotCheckable,
  PrerequisiteFailed,
  subjectOf,
  whyRefused,
  withoutResults,
} from './probe-commands.js';
import { NoValidReply, type ProbeSession } from './probe-session.js';
import type { StepProbe } from './step-probes.js';

/** What the step checks need of the kit's session (a ProbeSession, or a fake in tests). */
export type StepSession = Pick<ProbeSession, 'newSagaId' | 'envelope' | 'exchange'>;

/**
 * Checks one step as the coordinator would use it: the forward command with its redelivery,
 * retry and late earlier attempt; and, when the step has a compensation, the compensation of an
 * unknown key followed by the late command, and the compensation after a success. A rule that
 * cannot be checked through no fault of the participant (see NotCheckable) is reported SKIP.
 */
export async function checkStep(session: StepSession, probe: StepProbe): Promise<RuleOutcome[]> {
  const subject = subjectOf(probe);
  const outcomes: RuleOutcome[] = [];
  await guarded(outcomes, subject, forwardRules, () =>
    checkForward(session, probe, subject, outcomes),
  );
  if (probe.step.compensation === undefined) return outcomes;
  const compensationFirst = [RULES.compensationOfUnknownKey, RULES.lateCommandRefused];
  await guarded(outcomes, subject, compensationFirst, () =>
    checkCompensationFirst(session, probe, subject, outcomes),
  );
  await guarded(outcomes, subject, [RULES.compensationAfterSuccess], () =>
    checkCompensationAfterSuccess(session, probe, subject, outcomes),
  );
  return outcomes;
}

const forwardRules = [
  RULES.answersCommand,
  RULES.resultFitsDefinition,
  RULES.duplicateGetsFirstOutcome,
  RULES.retryGetsFirstOutcome,
  RULES.oldAttemptGetsFirstOutcome,
];

async function checkForward(
  session: StepSession,
  probe: StepProbe,
  subject: string,
  outcomes: RuleOutcome[],
): Promise<void> {
  const { sagaId, context } = await prepare(session, probe);
  const first = session.envelope(forward(probe, sagaId, context, 1));
  const reply = await session.exchange(first);
  outcomes.push(passed(RULES.answersCommand, subject, `answered ${reply.outcome.status}`));
  outcomes.push(resultFits(probe, subject, context, reply.outcome));
  const again = await session.exchange(first);
  outcomes.push(
    sameOutcome(RULES.duplicateGetsFirstOutcome, subject, reply.outcome, again.outcome),
  );
  const retry = await session.exchange(session.envelope(forward(probe, sagaId, context, 2)));
  outcomes.push(sameOutcome(RULES.retryGetsFirstOutcome, subject, reply.outcome, retry.outcome));
  const late = await session.exchange(first);
  outcomes.push(
    sameOutcome(RULES.oldAttemptGetsFirstOutcome, subject, reply.outcome, late.outcome),
  );
}

async function checkCompensationFirst(
  session: StepSession,
  probe: StepProbe,
  subject: string,
  outcomes: RuleOutcome[],
): Promise<void> {
  const { sagaId, context } = await prepare(session, probe);
  const undo = await session.exchange(session.envelope(compensate(probe, sagaId, context, true)));
  outcomes.push(
    undo.outcome.status === 'success'
      ? passed(RULES.compensationOfUnknownKey, subject)
      : failed(
          RULES.compensationOfUnknownKey,
          subject,
          `answered ${describeOutcome(undo.outcome)}`,
        ),
  );
  const late = await session.exchange(session.envelope(forward(probe, sagaId, context, 1)));
  const refused = late.outcome.status === 'failure' && late.outcome.code === ALREADY_COMPENSATED;
  outcomes.push(
    refused
      ? passed(RULES.lateCommandRefused, subject)
      : failed(
          RULES.lateCommandRefused,
          subject,
          `the command sent after its compensation was answered ${describeOutcome(late.outcome)}, not failure ${ALREADY_COMPENSATED}: it may have been applied after its own compensation`,
        ),
  );
}

async function checkCompensationAfterSuccess(
  session: StepSession,
  probe: StepProbe,
  subject: string,
  outcomes: RuleOutcome[],
): Promise<void> {
  const { sagaId, context } = await prepare(session, probe);
  const done = await session.exchange(session.envelope(forward(probe, sagaId, context, 1)));
  if (done.outcome.status !== 'success') {
    const answered = `the step itself answered ${describeOutcome(done.outcome)}`;
    // A refusal of a command built without another participant's result: as resultFits.
    const missing = missingResults(probe, probe.step);
    if (done.outcome.status === 'failure' && missing.length > 0) {
      throw new NotCheckable(`${answered} to a command built ${withoutResults(probe, missing)}`);
    }
    throw new PrerequisiteFailed(answered);
  }
  const folded = foldOrGiveUp(probe.step, context, done.outcome.result);
  const undo = session.envelope(compensate(probe, sagaId, folded, false));
  const first = await session.exchange(undo);
  if (first.outcome.status !== 'success') {
    outcomes.push(
      failed(RULES.compensationAfterSuccess, subject, `answered ${describeOutcome(first.outcome)}`),
    );
    return;
  }
  const again = await session.exchange(undo);
  outcomes.push(sameOutcome(RULES.compensationAfterSuccess, subject, first.outcome, again.outcome));
}

/**
 * A new saga in which the steps before the probed one have succeeded, and its context: the
 * participant's own are sent to it, the results the inputs give for the others are folded.
 */
async function prepare(
  session: StepSession,
  probe: StepProbe,
): Promise<{ sagaId: string; context: unknown }> {
  const sagaId = session.newSagaId();
  let context = probe.initialContext;
  for (const earlier of probe.before) {
    const { step } = earlier;
    if (earlier.source === 'missing') continue;
    if (earlier.source === 'given') {
      context = foldGiven(probe, step, context, earlier.result);
      continue;
    }
    const reply = await session.exchange(
      session.envelope(forward(probe, sagaId, context, 1, step)),
    );
    if (reply.outcome.status !== 'success') {
      const answered = `the earlier step ${step.id} answered ${describeOutcome(reply.outcome)}`;
      const missing = missingResults(probe, step);
      // A refusal of a command built without what another participant's step would add.
      if (reply.outcome.status === 'failure' && missing.length > 0) {
        throw new NotCheckable(`${answered} to a command built ${withoutResults(probe, missing)}`);
      }
      throw new PrerequisiteFailed(answered);
    }
    context = foldOrGiveUp(step, context, reply.outcome.result);
  }
  return { sagaId, context };
}

/**
 * `result-fits-definition` for the first outcome of the probed step: a success whose result the
 * definition folds. A refusal of a command built without another participant's result is not
 * held against the participant (the coordinator never sends one: the step waits for it).
 */
function resultFits(
  probe: StepProbe,
  subject: string,
  context: unknown,
  outcome: ReplyOutcome,
): RuleOutcome {
  const rule = RULES.resultFitsDefinition;
  if (outcome.status !== 'success') {
    const answered = `answered ${describeOutcome(outcome)}`;
    const missing = missingResults(probe, probe.step);
    if (outcome.status === 'failure' && missing.length > 0) {
      return skipped(
        rule,
        subject,
        `${answered} to a command built ${withoutResults(probe, missing)}`,
      );
    }
    return failed(rule, subject, `a command built from the sample input was ${answered}`);
  }
  try {
    fold(probe.step, context, outcome.result);
    return passed(rule, subject);
  } catch (error) {
    return failed(
      rule,
      subject,
      `the saga definition refuses the result ${JSON.stringify(outcome.result)}: ${whyRefused(error)}`,
    );
  }
}

function sameOutcome(
  rule: Rule,
  subject: string,
  stored: ReplyOutcome,
  answered: ReplyOutcome,
): RuleOutcome {
  if (stored.status === 'error') {
    return failed(
      rule,
      subject,
      `not checked: the first reply was ${describeOutcome(stored)}, which is never stored`,
    );
  }
  // Equal by content, whatever the order of keys.
  return isDeepStrictEqual(stored, answered)
    ? passed(rule, subject)
    : failed(
        rule,
        subject,
        `answered ${JSON.stringify(answered)}, but the stored outcome is ${JSON.stringify(stored)}`,
      );
}

/**
 * Runs `check`, which adds its verdicts to `outcomes`; a missing or broken reply, or a failed
 * prerequisite, fails each of `rules` it had not judged yet, and what is not checkable skips them.
 */
async function guarded(
  outcomes: RuleOutcome[],
  subject: string,
  rules: readonly Rule[],
  check: () => Promise<void>,
): Promise<void> {
  const before = outcomes.length;
  try {
    await check();
  } catch (error) {
    const verdict = verdictOn(error);
    const judged = new Set(outcomes.slice(before).map((outcome) => outcome.rule.id));
    for (const rule of rules) if (!judged.has(rule.id)) outcomes.push(verdict(rule, subject));
  }
}

/** What an error thrown by a check says of the rules it had not judged yet; rethrows others. */
function verdictOn(error: unknown): (rule: Rule, subject: string) => RuleOutcome {
  if (error instanceof NotCheckable)
    return (rule, subject) => skipped(rule, subject, error.message);
  if (error instanceof PrerequisiteFailed) {
    return (rule, subject) => failed(rule, subject, `not checked: ${error.message}`);
  }
  if (error instanceof NoValidReply) return (rule, subject) => failed(rule, subject, error.message);
  throw error;
}

/** `status code: message` of an outcome. */
export function describeOutcome(outcome: ReplyOutcome): string {
  return outcome.status === 'success'
    ? 'success'
    : `${outcome.status} ${outcome.code}: ${outcome.message}`;
}
