import type { CommandMessage, ReplyMessage, ReplyOutcome } from '#contracts';
import type { MessagePublisher } from '#saga-core';
import { checkUnknownCommandType } from './participant-checks.js';
import { ProbeSession } from './probe-session.js';
import type { StepSession } from './step-checks.js';

/** The kit's session against a participant that answers every command at once with `outcome`. */
function answering(outcome: ReplyOutcome): StepSession {
  const publisher = { publish: () => Promise.resolve() } as unknown as MessagePublisher;
  const real = new ProbeSession(publisher, 'shipping', 'shipping.commands', 'replies', 1_000);
  return {
    newSagaId: () => real.newSagaId(),
    envelope: (spec) => real.envelope(spec),
    exchange: (command: CommandMessage): Promise<ReplyMessage> => {
      const { sagaId, stepId, action, attempt } = command;
      return Promise.resolve({
        messageId: `reply:${command.messageId}`,
        ...{ sagaId, stepId, action, attempt },
        outcome,
        repliedAt: new Date().toISOString(),
      });
    },
  };
}

const contact = (sagaId: string) => ({
  sagaId,
  sagaType: 'order',
  sagaVersion: 1,
  stepId: 'schedule-shipping',
  action: 'execute' as const,
  attempt: 1,
  commandType: 'shipping.schedule',
  payload: { orderId: 'o-1' },
});

const unknown = (retryable?: boolean): ReplyOutcome => ({
  status: 'error',
  code: 'UNKNOWN_COMMAND',
  message: 'no handler',
  ...(retryable === undefined ? {} : { retryable }),
});

describe('checkUnknownCommandType', () => {
  it('passes an error that is not retried', async () => {
    const outcome = await checkUnknownCommandType(answering(unknown(false)), contact);

    expect(outcome).toMatchObject({ rule: { id: 'unknown-command-type' }, verdict: 'pass' });
  });

  it.each([
    ['retryable', true, /not an error with retryable false/],
    ['without retryable (retried)', undefined, /not an error with retryable false/],
  ])('fails an error %s: the coordinator would retry it', async (_name, retryable, detail) => {
    const outcome = await checkUnknownCommandType(answering(unknown(retryable)), contact);

    expect(outcome).toMatchObject({ verdict: 'fail', detail: expect.stringMatching(detail) });
  });

  it('fails a success', async () => {
    const success: ReplyOutcome = { status: 'success', result: {} };

    const outcome = await checkUnknownCommandType(answering(success), contact);

    expect(outcome).toMatchObject({ verdict: 'fail' });
  });
});
