import type {
  CommandMessage,
  ReplyMessage,
  SagaEventMessage,
  StartSagaMessage,
} from './envelopes.js';
import { LIMITS } from './limits.js';
import {
  parseCommandMessage,
  parseReplyMessage,
  parseSagaEventMessage,
  parseStartSagaMessage,
  type ParseResult,
} from './parse-message.js';

const command: CommandMessage = {
  messageId: 'saga-1:reserve:execute:1',
  sagaId: 'saga-1',
  sagaType: 'order',
  sagaVersion: 1,
  stepId: 'reserve',
  action: 'execute',
  attempt: 1,
  participant: 'inventory',
  commandType: 'reserve-items',
  idempotencyKey: 'saga-1:reserve',
  replyTo: 'saga.replies',
  payload: { sku: 'A-1', quantity: 2 },
  sentAt: '2030-01-01T00:00:00.000Z',
};

const reply: ReplyMessage = {
  messageId: 'reply-1',
  sagaId: 'saga-1',
  stepId: 'reserve',
  action: 'execute',
  attempt: 1,
  outcome: { status: 'success', result: { reservationId: 'r-1' } },
  repliedAt: '2030-01-01T00:00:01.000+02:00',
};

const start: StartSagaMessage = { sagaType: 'order', idempotencyKey: 'k-1', input: { id: 7 } };

const event: SagaEventMessage = {
  eventId: 'saga-1:1:0',
  sagaId: 'saga-1',
  sagaType: 'order',
  sagaVersion: 1,
  type: 'saga.step-completed',
  stepId: 'reserve',
  at: '2030-01-01T00:00:00.000Z',
  detail: { attempts: 1 },
};

/** Returns the reason of a refused parse, failing the test if the parse succeeded. */
function reasonOf(result: ParseResult<unknown>): string {
  if (result.ok) throw new Error('expected the message to be refused');
  return result.reason;
}

describe('the command schema', () => {
  it('accepts a valid command', () => {
    expect(parseCommandMessage(command)).toEqual({ ok: true, value: command });
  });

  it('accepts a compensation that says the forward outcome is unknown', () => {
    const compensation = { ...command, action: 'compensate', outcomeUnknown: true };
    expect(parseCommandMessage(compensation).ok).toBe(true);
  });

  it('refuses an unknown field and names it', () => {
    expect(reasonOf(parseCommandMessage({ ...command, className: 'Reserve' }))).toContain(
      'className',
    );
  });

  it('refuses a missing field and names it', () => {
    const { idempotencyKey: _dropped, ...missing } = command;
    expect(reasonOf(parseCommandMessage(missing))).toMatch(/^idempotencyKey: /);
  });

  it('refuses an attempt below one', () => {
    expect(reasonOf(parseCommandMessage({ ...command, attempt: 0 }))).toMatch(/^attempt: /);
  });

  it('refuses a fractional attempt', () => {
    expect(reasonOf(parseCommandMessage({ ...command, attempt: 1.5 }))).toMatch(/^attempt: /);
  });

  it('refuses an action other than execute or compensate', () => {
    expect(reasonOf(parseCommandMessage({ ...command, action: 'undo' }))).toMatch(/^action: /);
  });

  it('refuses a participant name that cannot name a topic', () => {
    expect(reasonOf(parseCommandMessage({ ...command, participant: 'Inventory' }))).toMatch(
      /^participant: /,
    );
  });

  it('refuses outcomeUnknown on a forward command', () => {
    expect(reasonOf(parseCommandMessage({ ...command, outcomeUnknown: true }))).toMatch(
      /^outcomeUnknown: only a compensation/,
    );
  });

  it('refuses a saga id longer than the id limit', () => {
    const sagaId = 'x'.repeat(LIMITS.id + 1);
    expect(reasonOf(parseCommandMessage({ ...command, sagaId }))).toMatch(/^sagaId: Too big/);
  });

  it('refuses a payload larger than the JSON limit', () => {
    const payload = { blob: 'x'.repeat(LIMITS.json) };
    expect(reasonOf(parseCommandMessage({ ...command, payload }))).toMatch(/^payload: Too big/);
  });

  it('refuses a payload that is not JSON', () => {
    expect(reasonOf(parseCommandMessage({ ...command, payload: { n: Number.NaN } }))).toMatch(
      /^payload/,
    );
  });

  it('refuses a sent time that is not an ISO-8601 date-time', () => {
    expect(reasonOf(parseCommandMessage({ ...command, sentAt: 'yesterday' }))).toMatch(/^sentAt: /);
  });
});

describe('the reply schema', () => {
  it('accepts a success, a failure and an error outcome', () => {
    const outcomes = [
      { status: 'success', result: null },
      { status: 'failure', code: 'insufficient-funds', message: 'no', details: { missing: 3 } },
      { status: 'error', code: 'db-down', message: 'later', retryable: true },
    ];
    for (const outcome of outcomes) expect(parseReplyMessage({ ...reply, outcome }).ok).toBe(true);
  });

  it('refuses an outcome with an unknown status and names the field', () => {
    const outcome = { status: 'maybe', result: null };
    expect(reasonOf(parseReplyMessage({ ...reply, outcome }))).toMatch(/^outcome\.status: /);
  });

  it('refuses a failure without a code', () => {
    const outcome = { status: 'failure', message: 'no' };
    expect(reasonOf(parseReplyMessage({ ...reply, outcome }))).toMatch(/^outcome\.code: /);
  });

  it('refuses an unknown field inside the outcome', () => {
    const outcome = { status: 'success', result: 1, stack: 'at x' };
    expect(reasonOf(parseReplyMessage({ ...reply, outcome }))).toContain('stack');
  });

  it('refuses an error message longer than the message limit', () => {
    const outcome = { status: 'error', code: 'x', message: 'm'.repeat(LIMITS.message + 1) };
    expect(reasonOf(parseReplyMessage({ ...reply, outcome }))).toMatch(/^outcome\.message: /);
  });

  it('refuses a reply without a reply time', () => {
    const { repliedAt: _dropped, ...missing } = reply;
    expect(reasonOf(parseReplyMessage(missing))).toMatch(/^repliedAt: /);
  });
});

describe('the start-saga schema', () => {
  it('accepts a request with and without a version', () => {
    expect(parseStartSagaMessage(start)).toEqual({ ok: true, value: start });
    expect(parseStartSagaMessage({ ...start, sagaVersion: 2 }).ok).toBe(true);
  });

  it('refuses a request without an idempotency key', () => {
    const { idempotencyKey: _dropped, ...missing } = start;
    expect(reasonOf(parseStartSagaMessage(missing))).toMatch(/^idempotencyKey: /);
  });

  it('refuses a version that is not a positive integer', () => {
    expect(reasonOf(parseStartSagaMessage({ ...start, sagaVersion: 0 }))).toMatch(/^sagaVersion: /);
  });

  it('refuses an empty saga type', () => {
    expect(reasonOf(parseStartSagaMessage({ ...start, sagaType: '' }))).toMatch(/^sagaType: /);
  });
});

describe('the saga event schema', () => {
  it('accepts a valid event', () => {
    expect(parseSagaEventMessage(event)).toEqual({ ok: true, value: event });
  });

  it('accepts the idempotency key the coordinator adds, and refuses an empty one', () => {
    const keyed = { ...event, idempotencyKey: 'order-42' };
    expect(parseSagaEventMessage(keyed)).toEqual({ ok: true, value: keyed });
    expect(reasonOf(parseSagaEventMessage({ ...event, idempotencyKey: '' }))).toMatch(
      /^idempotencyKey: /,
    );
  });

  it('refuses an unknown event type', () => {
    expect(reasonOf(parseSagaEventMessage({ ...event, type: 'saga.exploded' }))).toMatch(/^type: /);
  });

  it('refuses a detail that is not an object', () => {
    expect(reasonOf(parseSagaEventMessage({ ...event, detail: [1, 2] }))).toMatch(/^detail: /);
  });

  it('refuses an unknown field', () => {
    expect(reasonOf(parseSagaEventMessage({ ...event, extra: 1 }))).toContain('extra');
  });
});
