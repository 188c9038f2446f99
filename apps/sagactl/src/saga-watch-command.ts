import { pathOf } from './api-client.js';
import type { AuditRecord } from './api-views.js';
import { wholeNumberOption } from './command-options.js';
import type { CommandSpec } from './command-spec.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Page } from './paging.js';
import { historyCells } from './saga-read-commands.js';

/** How often `watch` asks, in ms, unless `--interval` says otherwise. */
const DEFAULT_INTERVAL_MS = 1_000;

/** The statuses `watch` ends on, and the exit code of each. */
const ENDINGS: Readonly<Record<string, ExitCode>> = {
  completed: EXIT.ok,
  compensated: EXIT.compensated,
  stuck: EXIT.stuck,
};

/**
 * `sagactl watch <sagaId>`: prints the saga's audit lines, then each new one as it comes (asking
 * every `--interval` ms), until the saga is completed (exit 0), compensated (7) or stuck (8).
 * The last line's status is the saga's: every transition writes one.
 */
export const WATCH_COMMAND: CommandSpec = {
  words: ['watch'],
  synopsis: '<sagaId> [--interval MS]',
  summary: 'follows a saga to its end: exit 0 completed, 7 compensated, 8 stuck',
  args: ['sagaId'],
  options: ['interval'],
  async run(call) {
    const intervalMs = wholeNumberOption(call, 'interval', 50) ?? DEFAULT_INTERVAL_MS;
    const path = `${pathOf('sagas', call.args[0]!)}/audit`;
    let after: string | undefined;
    let status: string | undefined;
    for (;;) {
      let page: Page<AuditRecord>;
      do {
        page = await call.api.get<Page<AuditRecord>>(path, { limit: 500, after });
        for (const record of page.items) {
          call.io.print(
            call.output === 'json' ? JSON.stringify(record) : historyCells(record).join('  '),
          );
          after = record.seq;
          status = record.toStatus;
        }
      } while (page.nextCursor !== null);
      const ending = status === undefined ? undefined : ENDINGS[status];
      if (ending !== undefined) {
        if (call.output === 'table') call.io.print(`saga ${call.args[0]} is ${status}`);
        return ending;
      }
      await call.io.sleep(intervalMs);
    }
  },
};
