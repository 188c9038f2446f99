import { pathOf } from './api-client.js';
import type { ActionAnswer, StartAnswer } from './api-views.js';
import { requiredText, textOption, wholeNumberOption } from './command-options.js';
import type { CommandCall, CommandSpec } from './command-spec.js';
import { EXIT, UsageError } from './exit-codes.js';
import { prettyJson } from './output-format.js';

/** `sagactl start`: `POST /sagas`; the same key and input again finds the same saga. */
const start: CommandSpec = {
  words: ['start'],
  synopsis: '<sagaType> --key <idempotencyKey> --input <json | @file | @-> [--version N]',
  summary: 'starts a saga (idempotent: the same key and input find the same saga)',
  args: ['sagaType'],
  options: ['key', 'input', 'version'],
  async run(call) {
    const sagaVersion = wholeNumberOption(call, 'version');
    const body = {
      sagaType: call.args[0]!,
      idempotencyKey: requiredText(call, 'key', 'idempotencyKey'),
      input: await inputOf(call),
      ...(sagaVersion === undefined ? {} : { sagaVersion }),
    };
    const { body: answer } = await call.api.send<StartAnswer>('POST', '/sagas', { json: body });
    call.io.print(
      call.output === 'json'
        ? prettyJson(answer)
        : answer.created
          ? `started saga ${answer.sagaId}: ${answer.status}`
          : `saga ${answer.sagaId} was started by this key before: ${answer.status}`,
    );
    return EXIT.ok;
  },
};

/** `sagactl cancel`: `POST /sagas/:id/cancel {reason}`; the audit keeps the reason and caller. */
const cancel: CommandSpec = {
  words: ['cancel'],
  synopsis: '<sagaId> --reason <text>',
  summary: 'cancels a running saga (before its pivot): it compensates what it did',
  args: ['sagaId'],
  options: ['reason'],
  async run(call) {
    const reason = requiredText(call, 'reason');
    const path = `${pathOf('sagas', call.args[0]!)}/cancel`;
    const { body } = await call.api.send<ActionAnswer>('POST', path, { json: { reason } });
    call.io.print(
      call.output === 'json' ? prettyJson(body) : `cancelled saga ${body.sagaId}: ${body.status}`,
    );
    return EXIT.ok;
  },
};

/** `sagactl resume`: `POST /sagas/:id/resume`, which takes no body. */
const resume: CommandSpec = {
  words: ['resume'],
  synopsis: '<sagaId>',
  summary: 'resumes a stuck saga: what ran out is tried again with a fresh budget',
  args: ['sagaId'],
  options: ['reason'],
  async run(call) {
    if (textOption(call, 'reason') !== undefined) {
      throw new UsageError(
        'resume takes no --reason: the API records none for a resume (its audit line names the caller)',
        call.usage,
      );
    }
    const path = `${pathOf('sagas', call.args[0]!)}/resume`;
    const { body } = await call.api.send<ActionAnswer>('POST', path);
    call.io.print(
      call.output === 'json' ? prettyJson(body) : `resumed saga ${body.sagaId}: ${body.status}`,
    );
    return EXIT.ok;
  },
};

/** The commands that act on sagas. */
export const SAGA_ACTION_COMMANDS: readonly CommandSpec[] = [start, cancel, resume];

/** The saga input of `--input`: JSON itself, `@file` or `@-` (stdin); else a UsageError. */
async function inputOf(call: CommandCall): Promise<unknown> {
  const given = requiredText(call, 'input', 'json | @file');
  let text = given;
  let from = '--input';
  if (given === '@-') {
    text = await call.io.readStdin();
    from = 'stdin';
  } else if (given.startsWith('@')) {
    from = given.slice(1);
    try {
      text = call.io.readText(from);
    } catch (error) {
      throw new UsageError(`cannot read ${from}: ${(error as Error).message}`, call.usage);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${from} is not JSON: ${(error as Error).message}`, call.usage);
  }
}
