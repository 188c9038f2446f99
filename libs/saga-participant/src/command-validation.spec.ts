import { LIMITS, parseCommandMessage, parseReplyMessage, type CommandMessage } from '#contracts';
import { checkCommand } from './command-validation.js';
import { commandFor } from './command.fixture.js';
import { replyEnvelope } from './reply-message.js';

const EXPECTED = { participant: 'inventory', topicPrefix: 'test.' };

const check = (command: unknown) =>
  checkCommand(
    { topic: 'test.inventory.commands', key: null, headers: {}, value: JSON.stringify(command) },
    EXPECTED,
  );

/** How checkCommand used to decide: the command schema, then a probe reply through the reply schema. */
function oracle(command: unknown): { ok: boolean; reason?: string } {
  const parsed = parseCommandMessage(command);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const probe = parseReplyMessage(
    replyEnvelope(parsed.value, { status: 'success', result: null }, new Date(0)),
  );
  return probe.ok ? { ok: true } : { ok: false, reason: `cannot be answered: ${probe.reason}` };
}

const x = (length: number) => 'x'.repeat(length);
const emoji = '\u{1F600}'; // two UTF-16 code units
const maxAnswerable = LIMITS.compositeId - 'reply:'.length;

// Every field a reply copies from its command, at its limits and just past them.
const cases: [string, Partial<CommandMessage>][] = [
  ['messageId of 1', { messageId: 'm' }],
  ['messageId as long as a reply allows', { messageId: x(maxAnswerable) }],
  ['messageId one past what a reply allows', { messageId: x(maxAnswerable + 1) }],
  ['messageId at the composite-id limit', { messageId: x(LIMITS.compositeId) }],
  ['messageId past the composite-id limit', { messageId: x(LIMITS.compositeId + 1) }],
  // The schemas count code points: a surrogate pair is one character.
  ['messageId of surrogate pairs up to the limit', { messageId: emoji.repeat(maxAnswerable) }],
  ['messageId of surrogate pairs one past it', { messageId: emoji.repeat(maxAnswerable + 1) }],
  [
    'messageId of units past the limit, code points within',
    { messageId: `x${emoji.repeat(maxAnswerable / 2)}` },
  ],
  ['messageId that starts with a lone low surrogate', { messageId: '\udc00:1' }],
  ['messageId with a NUL', { messageId: 'm\u0000' }],
  ['empty messageId', { messageId: '' }],
  ['sagaId at the id limit', { sagaId: x(LIMITS.id) }],
  ['sagaId past the id limit', { sagaId: x(LIMITS.id + 1) }],
  ['sagaId of surrogate pairs at the id limit', { sagaId: emoji.repeat(LIMITS.id) }],
  ['sagaId of surrogate pairs past the id limit', { sagaId: emoji.repeat(LIMITS.id + 1) }],
  ['sagaId ending in a lone high surrogate', { sagaId: 's\ud800' }],
  ['empty sagaId', { sagaId: '' }],
  ['stepId at the id limit', { stepId: x(LIMITS.id) }],
  ['stepId past the id limit', { stepId: x(LIMITS.id + 1) }],
  ['stepId with a NUL', { stepId: 's\u0000' }],
  ['attempt at the counter limit', { attempt: LIMITS.counter }],
  ['attempt past the counter limit', { attempt: LIMITS.counter + 1 }],
  ['attempt 0', { attempt: 0 }],
  ['fractional attempt', { attempt: 1.5 }],
  ['a compensation', { action: 'compensate', outcomeUnknown: true }],
  ['an unknown action', { action: 'undo' as never }],
  [
    'every copied field at its limit',
    {
      messageId: x(maxAnswerable),
      sagaId: x(LIMITS.id),
      stepId: x(LIMITS.id),
      action: 'compensate',
      attempt: LIMITS.counter,
    },
  ],
];

describe('checkCommand', () => {
  it.each(cases)(
    'refuses a command exactly when the reply schema would: %s',
    (_name, overrides) => {
      const command = commandFor(overrides);
      const expected = oracle(command);

      const checked = check(command);

      expect(checked.ok).toBe(expected.ok);
      if (!checked.ok && !expected.reason!.startsWith('cannot be answered')) {
        expect(checked.reason).toBe(`invalid command: ${expected.reason}`);
      }
    },
  );

  it('says why a command whose reply messageId would be too long cannot be answered', () => {
    const reason = (messageId: string) =>
      (check(commandFor({ messageId })) as { reason: string }).reason;

    expect(reason(x(maxAnswerable + 1))).toBe(
      "invalid command: cannot be answered: messageId: Too big: the reply's would have 501 characters, at most 500 are allowed",
    );
    expect(reason(emoji.repeat(LIMITS.compositeId))).toContain('would have 506 characters');
  });

  it('dead-letters no body, text that is not JSON, another participant and a foreign reply topic', () => {
    const message = (value: string | null) => ({ topic: 't', key: null, headers: {}, value });

    expect(checkCommand(message(null), EXPECTED)).toEqual({
      ok: false,
      reason: 'invalid command: (root): the message has no body',
    });
    expect(checkCommand(message('{'), EXPECTED)).toEqual({
      ok: false,
      reason: 'invalid command: (root): not valid JSON',
    });
    expect(check(commandFor({ participant: 'payment' }))).toEqual({
      ok: false,
      reason: 'invalid command: participant: addressed to payment, not inventory',
    });
    expect(check(commandFor({ replyTo: 'prod.saga.replies' }))).toEqual({
      ok: false,
      reason: 'invalid command: replyTo: not a topic of this environment (prefix "test.")',
    });
  });

  // Names the broker refuses on every publish (INVALID_TOPIC_EXCEPTION): the reply could never
  // go, and its command, handled, would come back for ever.
  it.each(['.', '..', '__consumer_offsets', '__transaction_state'])(
    'dead-letters the reply topic %j, which no broker takes, even without a prefix',
    (replyTo) => {
      const command = commandFor({ replyTo });
      const message = { topic: 't', key: null, headers: {}, value: JSON.stringify(command) };

      expect(checkCommand(message, { participant: 'inventory', topicPrefix: '' })).toEqual({
        ok: false,
        reason: 'invalid command: replyTo: not a topic of this environment (prefix "")',
      });
    },
  );
});
