import { LIMITS, type ReplyOutcome } from '#contracts';
import { runCommandHandler, type CommandHandler } from './command-handler.js';
import { commandFor } from './command.fixture.js';
import { TechnicalError } from './technical-error.js';

const run = (handler: CommandHandler) =>
  runCommandHandler(
    handler,
    commandFor(),
    { transaction: undefined, onRollback: () => undefined },
    () => undefined,
  );

const throwing = (error: unknown) => () => {
  throw error;
};

describe('runCommandHandler with a TechnicalError', () => {
  it('answers an error with its code, message and retryability', async () => {
    await expect(run(throwing(new TechnicalError('X', 'down', false)))).resolves.toEqual({
      status: 'error',
      code: 'X',
      message: 'down',
      retryable: false,
    });
  });

  it('keeps its code and `retryable: false` when its message is too long, and cuts the message', async () => {
    const outcome = await run(throwing(new TechnicalError('X', 'x'.repeat(2001), false)));

    expect(outcome).toMatchObject({ status: 'error', code: 'X', retryable: false });
    const { message } = outcome as Extract<ReplyOutcome, { status: 'error' }>;
    expect(message).toHaveLength(LIMITS.message);
    expect(message).toBe(`${'x'.repeat(LIMITS.message - 1)}…`);
  });

  it('cuts a long message of surrogate pairs between two pairs, never inside one', async () => {
    const emoji = '\u{1F600}';
    const outcome = await run(throwing(new TechnicalError('X', emoji.repeat(2001), false)));

    const { message } = outcome as Extract<ReplyOutcome, { status: 'error' }>;
    expect(message).toBe(`${emoji.repeat(LIMITS.message - 1)}…`);
  });

  it.each([
    ['a NUL', 'down\u0000here', 'down\uFFFDhere'],
    ['a lone surrogate', 'down\uD800here', 'down\uFFFDhere'],
  ])(
    'replaces %s in its message and keeps its code and retryability',
    async (_name, text, sent) => {
      await expect(run(throwing(new TechnicalError('X', text, false)))).resolves.toEqual({
        status: 'error',
        code: 'X',
        message: sent,
        retryable: false,
      });
    },
  );

  it.each([
    ['too long', 'C'.repeat(LIMITS.id + 1)],
    ['empty', ''],
    ['with a NUL', 'C\u0000'],
  ])(
    'answers a code %s as TECHNICAL_ERROR, keeping its message and retryability',
    async (_name, code) => {
      await expect(run(throwing(new TechnicalError(code, 'down', false)))).resolves.toEqual({
        status: 'error',
        code: 'TECHNICAL_ERROR',
        message: 'down',
        retryable: false,
      });
    },
  );
});
