import { pathOf } from './api-client.js';
import type { BulkReplayAnswer, DeadLetter } from './api-views.js';
import { flag, textOption, wholeNumberOption } from './command-options.js';
import type { CommandSpec } from './command-spec.js';
import { EXIT, UsageError } from './exit-codes.js';
import { formatFields, formatTable, oneLine, prettyJson, shortTime } from './output-format.js';
import { noteMorePages, readPages, type Page } from './paging.js';

/** `sagactl dlq list`: `GET /dead-letters`, newest first (the `operate` role). */
const list: CommandSpec = {
  words: ['dlq', 'list'],
  synopsis:
    '[--topic T] [--original-topic T] [--replayed true|false] [--limit N] [--cursor C] [--all]',
  summary: 'dead letters, newest first, with their reason',
  args: [],
  options: ['topic', 'original-topic', 'replayed', 'limit', 'cursor', 'all'],
  async run(call) {
    const replayed = textOption(call, 'replayed');
    if (replayed !== undefined && replayed !== 'true' && replayed !== 'false') {
      throw new UsageError(`--replayed must be true or false, not '${replayed}'`, call.usage);
    }
    const query = {
      topic: textOption(call, 'topic'),
      originalTopic: textOption(call, 'original-topic'),
      replayed,
      limit: wholeNumberOption(call, 'limit'),
      cursor: textOption(call, 'cursor'),
    };
    const page = await readPages<DeadLetter, Page<DeadLetter>>(call, '/dead-letters', query, {
      all: flag(call, 'all'),
    });
    if (call.output === 'json') {
      call.io.print(prettyJson(page));
    } else {
      const headers = ['id', 'original topic', 'key', 'recorded', 'replays', 'reason'];
      const rows = page.items.map((d) => [
        d.id,
        d.originalTopic,
        d.key,
        shortTime(d.recordedAt),
        d.replayCount,
        d.reason,
      ]);
      call.io.print(formatTable(headers, rows));
    }
    noteMorePages(call, page);
    return EXIT.ok;
  },
};

/** `sagactl dlq get <id>`: `GET /dead-letters/:id`. */
const get: CommandSpec = {
  words: ['dlq', 'get'],
  synopsis: '<id>',
  summary: 'one dead letter, with its headers and value',
  args: ['id'],
  options: [],
  async run(call) {
    const letter = await call.api.get<DeadLetter>(pathOf('dead-letters', call.args[0]!));
    call.io.print(call.output === 'json' ? prettyJson(letter) : deadLetterDetails(letter));
    return EXIT.ok;
  },
};

/**
 * `sagactl dlq replay <id>`: `POST /dead-letters/:id/replay`; `--pending`: `POST
 * /dead-letters/replay`, every one not replayed yet (of `--original-topic`; after id `--after`),
 * up to 1,000 a call.
 */
const replay: CommandSpec = {
  words: ['dlq', 'replay'],
  synopsis: '<id> | --pending [--original-topic T] [--after ID]',
  summary: 'republishes a dead letter to its topic, or those not replayed yet (--pending)',
  args: ['id?'],
  options: ['pending', 'original-topic', 'after'],
  async run(call) {
    const [id] = call.args;
    const pending = flag(call, 'pending');
    const originalTopic = textOption(call, 'original-topic');
    const after = textOption(call, 'after');
    if ((id === undefined) === !pending) {
      throw new UsageError('give either a dead letter <id> or --pending', call.usage);
    }
    if (id !== undefined) {
      if (originalTopic !== undefined || after !== undefined) {
        throw new UsageError('--original-topic and --after go with --pending only', call.usage);
      }
      const path = `${pathOf('dead-letters', id)}/replay`;
      const { body } = await call.api.send<DeadLetter>('POST', path);
      call.io.print(
        call.output === 'json'
          ? prettyJson(body)
          : `replayed dead letter ${oneLine(body.id)} to ${oneLine(body.originalTopic)} (replays: ${body.replayCount})`,
      );
      return EXIT.ok;
    }
    const { body } = await call.api.send<BulkReplayAnswer>('POST', '/dead-letters/replay', {
      json: {
        ...(originalTopic === undefined ? {} : { originalTopic }),
        ...(after === undefined ? {} : { after }),
      },
    });
    if (call.output === 'json') {
      call.io.print(prettyJson(body));
    } else {
      const ids = body.replayed.length === 0 ? '' : `: ${oneLine(body.replayed.join(', '))}`;
      call.io.print(`replayed ${body.replayed.length} dead letter(s)${ids}`);
      if (body.more) {
        // Past those that did not open, or they would be taken again first.
        const resume = body.resumeAfter ? ` with --after ${oneLine(body.resumeAfter)}` : '';
        call.io.print(`more wait: run it again${resume}`);
      }
      if (body.unopenable !== undefined && body.unopenable.length > 0) {
        call.io.print(
          `left ${body.unopenable.length} whose sealed value does not open (restore its key to the keyring): ${oneLine(body.unopenable.join(', '))}`,
        );
      }
    }
    return EXIT.ok;
  },
};

/** The dead-letter commands. */
export const DEAD_LETTER_COMMANDS: readonly CommandSpec[] = [list, get, replay];

function deadLetterDetails(letter: DeadLetter): string {
  const where =
    letter.originalPartition === null
      ? letter.originalTopic
      : `${letter.originalTopic} partition ${letter.originalPartition} offset ${letter.originalOffset ?? '-'}`;
  const value = letter.valueRedacted
    ? ' (redacted: not replayable)'
    : letter.valueTruncated
      ? ' (truncated)'
      : '';
  const fields = formatFields([
    ['Id', letter.id],
    ['Topic', letter.topic],
    ['From', where],
    ['Key', letter.key],
    ['Reason', letter.reason],
    ['Failed', shortTime(letter.failedAt)],
    ['Recorded', shortTime(letter.recordedAt)],
    [
      'Replayed',
      letter.replayedAt === null
        ? 'never'
        : `${letter.replayCount} time(s), last ${shortTime(letter.replayedAt)} by ${letter.replayedBy ?? '-'}`,
    ],
    ['Headers', Object.keys(letter.headers).length === 0 ? '-' : JSON.stringify(letter.headers)],
  ]);
  return `${fields}\nValue${value}:\n${prettyJson(letter.value)}`;
}
