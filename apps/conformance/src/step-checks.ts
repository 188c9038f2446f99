import { isDeepStrictEqual } from 'node:util';
import {
  ALREADY_COMPENSATED,
  issuesText,
  type Issue,
  type JsonValue,
  type ReplyOutcome,
} from '#contracts';
import type { StepDefinition } from '#saga-core';
import { failed, passed, RULES, type Rule, type RuleOutcome } from './conformance-rules.js';
import { NoValidReply, type CommandSpec, type ProbeSession } from './probe-session.js';
import type { StepProbe } from './step-probes.js';

/** The participant's own earlier steps did not succeed, so a rule could not be checked. */
class PrerequisiteFailed extends Error {}

/**
 * Checks one step as the coordinator would use it: the forward command with its redelivery,
 * retry and late earlier attempt; and, when the step has a compensation, the compensation of an
 * unknown key followed by the late command, and the compensation after a success.
 */
export async function checkStep(session: ProbeSession, probe: StepProbe): Promise<RuleOutcome[]> {
  const subject = `${probe.definition.name} v${probe.definition.version} / ${probe.step.id}`;
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
  session: ProbeSession,
  probe: StepProbe,
  subject: string,
  outcomes: RuleOutcome[],
): Promise<void> {
  const { sagaId, context } = await prepare(session, probe);
  const first = session.envelope(forward(probe, sagaId, context, 1));
  const reply = await session.exchange(first);
  outcomes.push(passed(RULES.answersCommand, subject, `answered ${reply.outcome.status}`));
  const fits = resultProblem(probe.step, context, reply.outcome);
  outcomes.push(
    fits === undefined
      ? passed(RULES.resultFitsDefinition, subject)
      : failed(RULES.resultFitsDefinition, subject, fits),
  );
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
  session: ProbeSession,
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
  session: ProbeSession,
  probe: StepProbe,
  subject: string,
  outcomes: RuleOutcome[],
): Promise<void> {
  const { sagaId, context } = await prepare(session, probe);
  const done = await session.exchange(session.envelope(forward(probe, sagaId, context, 1)));
  if (done.outcome.status !== 'success') {
    throw new PrerequisiteFailed(`the step itself answered ${describeOutcome(done.outcome)}`);
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

/** A new saga in which the participant's earlier steps have succeeded, and its context. */
async function prepare(
  session: ProbeSession,
  probe: StepProbe,
): Promise<{ sagaId: string; context: unknown }> {
  const sagaId = session.newSagaId();
  let context = probe.initialContext;
  for (const step of probe.before) {
    const reply = await session.exchange(
      session.envelope(forward(probe, sagaId, context, 1, step)),
    );
    if (reply.outcome.status !== 'success') {
      throw new PrerequisiteFailed(
        `the earlier step ${step.id} answered ${describeOutcome(reply.outcome)}`,
      );
    }
    context = foldOrGiveUp(step, context, reply.outcome.result);
  }
  return { sagaId, context };
}

/**
 * The first (or `attempt`-th) command of `step` of the probe's saga in `sagaId`, built from
 * `context` (default: the probe's own step).
 */
export function forward(
  probe: StepProbe,
  sagaId: string,
  context: unknown,
  attempt: number,
  step: StepDefinition<unknown> = probe.step,
): CommandSpec {
  return {
    sagaId,
    sagaType: probe.definition.name,
    sagaVersion: probe.definition.version,
    stepId: step.id,
    action: 'execute',
    attempt,
    commandType: step.command,
    payload: step.buildCommand(context),
  };
}

function compensate(
  probe: StepProbe,
  sagaId: string,
  context: unknown,
  outcomeUnknown: boolean,
): CommandSpec {
  const compensation = probe.step.compensation!;
  return {
    sagaId,
    sagaType: probe.definition.name,
    sagaVersion: probe.definition.version,
    stepId: probe.step.id,
    action: 'compensate',
    attempt: 1,
    commandType: compensation.command,
    payload: compensation.buildCommand(context),
    outcomeUnknown,
  };
}

function fold(step: StepDefinition<unknown>, context: unknown, result: JsonValue): unknown {
  return step.onSuccess === undefined ? context : step.onSuccess(context, result);
}

/** `fold`, where a result the definition refuses means the rule cannot be checked. */
function foldOrGiveUp(step: StepDefinition<unknown>, context: unknown, result: JsonValue): unknown {
  try {
    return fold(step, context, result);
  } catch {
    throw new PrerequisiteFailed(`the saga definition refuses the result of ${step.id}`);
  }
}

function resultProblem(
  step: StepDefinition<unknown>,
  context: unknown,
  outcome: ReplyOutcome,
): string | undefined {
  if (outcome.status !== 'success') {
    return `a command built from the sample input was answered ${describeOutcome(outcome)}`;
  }
  try {
    fold(step, context, outcome.result);
    return undefined;
  } catch (error) {
    return `the saga definition refuses the result ${JSON.stringify(outcome.result)}: ${whyRefused(error)}`;
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
 * prerequisite, fails each of `rules` it had not judged yet.
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
    if (!(error instanceof NoValidReply) && !(error instanceof PrerequisiteFailed)) throw error;
    const reason =
      error instanceof PrerequisiteFailed ? `not checked: ${error.message}` : error.message;
    const judged = new Set(outcomes.slice(before).map((outcome) => outcome.rule.id));
    for (const rule of rules)
      if (!judged.has(rule.id)) outcomes.push(failed(rule, subject, reason));
  }
}

/** A zod-like error as `path: message; …`, any other error as its message. */
function whyRefused(error: unknown): string {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues)) return issuesText(issues as Issue[]);
  return error instanceof Error ? error.message : String(error);
}

/** `status code: message` of an outcome. */
export function describeOutcome(outcome: ReplyOutcome): string {
  return outcome.status === 'success'
    ? 'success'
    : `${outcome.status} ${outcome.code}: ${outcome.message}`;
}
