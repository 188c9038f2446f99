import type { CommandMessage, ReplyOutcome } from '#contracts';
import { failed, passed, RULES, type RuleOutcome } from './conformance-rules.js';
import { describeCoordinates, NoValidReply, type ProbeSession } from './probe-session.js';
import type { ContactCommand } from './probe-commands.js';
import { describeOutcome, type StepSession } from './step-checks.js';

const WHOLE = 'the participant';

/** A command type no participant serves. */
const UNKNOWN_COMMAND_TYPE = 'conformance.unknown-command';

/**
 * Sends one valid command and waits for any reply, so that a participant that is not running
 * (or reads another prefix) fails once, at once, instead of every rule after its timeout.
 * Resolves undefined when it answered, else the failure to report.
 */
export async function firstContact(
  session: ProbeSession,
  contact: ContactCommand,
): Promise<RuleOutcome | undefined> {
  const command = session.envelope({
    ...contact(session.newSagaId()),
    stepId: 'conformance-hello',
  });
  await session.deliver(command);
  const answered = await session.log.until(
    () => session.log.repliesTo(command).length > 0,
    session.timeoutMs,
  );
  if (answered) return undefined;
  return failed(
    RULES.answersCommand,
    WHOLE,
    `no reply to a first ${command.commandType} on ${session.commandTopic} within ${session.timeoutMs} ms: is the participant running, on this broker and topic prefix? Nothing else was checked.`,
  );
}

/**
 * Checks that a command type the participant does not serve is answered with an error that is
 * not retried (`retryable: false`; without the field the coordinator retries it).
 */
export async function checkUnknownCommandType(
  session: StepSession,
  contact: ContactCommand,
): Promise<RuleOutcome> {
  const command = session.envelope({
    ...contact(session.newSagaId()),
    stepId: 'conformance-unknown-type',
    commandType: UNKNOWN_COMMAND_TYPE,
    payload: {},
  });
  try {
    const reply = await session.exchange(command);
    const { outcome } = reply;
    return outcome.status === 'error' && outcome.retryable === false
      ? passed(RULES.unknownCommandType, WHOLE, describeOutcome(outcome))
      : failed(
          RULES.unknownCommandType,
          WHOLE,
          `${UNKNOWN_COMMAND_TYPE} was answered ${describeOutcome(outcome)}${describeRetryable(outcome)}, not an error with retryable false`,
        );
  } catch (error) {
    if (error instanceof NoValidReply)
      return failed(RULES.unknownCommandType, WHOLE, error.message);
    throw error;
  }
}

/**
 * Puts four malformed commands on one partition (same key), then a valid one: the valid one must
 * be answered, and each malformed one must reach the dead-letter topic with its key, its value
 * and a reason, without a reply (replies are counted at the end, in the barrier).
 */
export async function checkMalformedCommands(
  session: ProbeSession,
  contact: ContactCommand,
  deadLetterTopic: string,
): Promise<RuleOutcome[]> {
  const spec = contact(session.newSagaId());
  const sagaId = spec.sagaId;
  const valid = session.envelope(spec);
  const malformed = [
    'this is not JSON',
    JSON.stringify({ ...session.envelope({ ...spec, stepId: 'malformed-extra-field' }), extra: 1 }),
    JSON.stringify({
      ...session.envelope({ ...spec, stepId: 'malformed-other-participant' }),
      participant: `${session.participant}-other`,
    }),
    JSON.stringify(withoutField(session.envelope({ ...spec, stepId: 'malformed-no-key' }))),
  ];
  for (const value of malformed) await session.sendRaw(sagaId, value);
  const outcomes: RuleOutcome[] = [];
  try {
    const reply = await session.exchange(valid);
    outcomes.push(passed(RULES.partitionNotBlocked, WHOLE, `answered ${reply.outcome.status}`));
  } catch (error) {
    if (!(error instanceof NoValidReply)) throw error;
    outcomes.push(failed(RULES.partitionNotBlocked, WHOLE, error.message));
  }
  const all = () => session.log.deadLettersKeyed(sagaId);
  await session.log.until(() => all().length >= malformed.length, session.timeoutMs);
  const problems = malformed.flatMap((value) => {
    const letter = all().find((seen) => seen.value === value);
    if (letter === undefined) return [`${preview(value)} is not on ${deadLetterTopic}`];
    if (!letter.reason) return [`${preview(value)} is on ${deadLetterTopic} without a dlq-reason`];
    return [];
  });
  const answered = session.log
    .repliesAbout(sagaId)
    .filter((seen) => seen.coordinates?.stepId.startsWith('malformed-'));
  for (const seen of answered)
    problems.push(`a malformed command was answered (${describeCoordinates(seen.coordinates!)})`);
  outcomes.push(
    problems.length === 0
      ? passed(RULES.malformedDeadLettered, WHOLE, `${malformed.length} dead letters with reasons`)
      : failed(RULES.malformedDeadLettered, WHOLE, problems.join('; ')),
  );
  return outcomes;
}

/**
 * Sends one last valid command on every saga of the run and waits for its reply: a participant
 * handles a partition in order, so by then every earlier command of that saga has been
 * answered. Then no delivery may have more replies than deliveries, and no reply may answer
 * something the kit never sent.
 */
export async function checkReplyOncePerDelivery(
  session: ProbeSession,
  contact: ContactCommand,
): Promise<RuleOutcome> {
  const sagaIds = session.ownSagaIds;
  const barriers: CommandMessage[] = sagaIds.map((sagaId) =>
    session.envelope({
      ...contact(sagaId),
      stepId: 'conformance-barrier',
    }),
  );
  for (const barrier of barriers) await session.deliver(barrier);
  const answered = await session.log.until(
    () => barriers.every((barrier) => session.log.repliesTo(barrier).length > 0),
    session.timeoutMs,
  );
  if (!answered) {
    return failed(
      RULES.replyOncePerDelivery,
      WHOLE,
      `not checked: the last command of each saga was not answered within ${session.timeoutMs} ms`,
    );
  }
  const problems = session
    .extraReplies()
    .map(
      ({ coordinates, delivered, replies }) =>
        `${describeCoordinates(coordinates)}: ${replies} replies to ${delivered} ${delivered === 1 ? 'delivery' : 'deliveries'}`,
    );
  for (const sagaId of sagaIds) {
    for (const seen of session.log.repliesAbout(sagaId)) {
      const c = seen.coordinates!;
      if (c.stepId.startsWith('malformed-')) continue; // judged by malformed-dead-lettered
      if (!session.wasDelivered(c)) {
        problems.push(`a reply answers a command never sent (${describeCoordinates(c)})`);
      }
    }
  }
  return problems.length === 0
    ? passed(RULES.replyOncePerDelivery, WHOLE)
    : failed(RULES.replyOncePerDelivery, WHOLE, listed(problems));
}

/** An error's retryability as the coordinator reads it (none given: retried). */
function describeRetryable(outcome: ReplyOutcome): string {
  if (outcome.status !== 'error') return '';
  return outcome.retryable === undefined
    ? ' (no retryable: retried)'
    : ` (retryable ${outcome.retryable})`;
}

/** The command without its `idempotencyKey` field (a required field missing). */
function withoutField(command: CommandMessage): Omit<CommandMessage, 'idempotencyKey'> {
  const { idempotencyKey: _dropped, ...rest } = command;
  return rest;
}

/** The first five problems, and how many more. */
function listed(problems: readonly string[]): string {
  const shown = problems.slice(0, 5).join('; ');
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown;
}

function preview(value: string): string {
  return value.length <= 60 ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, 57))}…`;
}
