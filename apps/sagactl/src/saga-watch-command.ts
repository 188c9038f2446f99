import { pathOf } from './api-client.js';
import type { AuditRecord } from './api-views.js';
import { wholeNumberOption } from './command-options.js';
import type { CommandSpec } from './command-spec.js';
import { CliError, EXIT, type ExitCode } from './exit-codes.js';
import { compactJson, formatRow } from './output-format.js';
import { MAX_WAIT_MS } from './sagactl-config.js';
import type { Page } from './paging.js';
import { historyCells } from './saga-read-commands.js';

/** How often `watch` asks, in ms, unless `--interval` says otherwise. */
const DEFAULT_INTERVAL_MS = 1_000;
/** The longest `--max-wait`, in ms: a week. */
const MAX_WATCH_MS = 7 * 24 * 3_600_000;

/** The statuses `watch` ends on, and the exit code of each. */
const ENDINGS: Readonly<Record<string, ExitCode>> = {
  completed: EXIT.ok,
  compensated: EXIT.compensated,
  stuck: EXIT.stuck,
};

/**
 * `sagactl watch <sagaId>`: prints the saga's audit lines, then each new one as it comes (asking
 * every `--interval` ms), until the saga is completed (exit 0), compensated (7) or stuck (8);
 * with `--max-wait MS`, exit 6 when it has not ended by then. The last line's status is the
 * saga's: every transition writes one. A page that says more follow but moves the cursor on by
 * nothing stops it (exit 1) rather than asking forever.
 */
export const WATCH_COMMAND: CommandSpec = {
  words: ['watch'],
  synopsis: '<sagaId> [--interval MS] [--max-wait MS]',
  summary: 'follows a saga to its end: exit 0 completed, 7 compensated, 8 stuck (6: --max-wait)',
  args: ['sagaId'],
  options: ['interval', 'max-wait'],
  async run(call) {
    const intervalMs = wholeNumberOption(call, 'interval', 50, MAX_WAIT_MS) ?? DEFAULT_INTERVAL_MS;
    const maxWaitMs = wholeNumberOption(call, 'max-wait', 1, MAX_WATCH_MS);
    const sagaId = call.args[0]!;
    const path = `${pathOf('sagas', sagaId)}/audit`;
    const began = call.io.now();
    let after: string | undefined;
    let status: string | undefined;
    for (;;) {
      let page: Page<AuditRecord>;
      do {
        const from = after;
        page = await call.api.get<Page<AuditRecord>>(path, { limit: 500, after });
        for (const record of page.items) {
          // Escaped as `history` escapes it: the detail quotes a caller's reason.
          call.io.print(
            call.output === 'json' ? compactJson(record) : formatRow(historyCells(record)),
          );
          after = record.seq;
          status = record.toStatus;
        }
        if (page.nextCursor !== null && after === from) {
          throw new CliError(
            EXIT.failed,
            `the audit of saga ${sagaId} says more lines follow, yet gave none after ${from ?? 'the start'}: stopped watching`,
          );
        }
      } while (page.nextCursor !== null);
      const ending = status === undefined ? undefined : ENDINGS[status];
      if (ending !== undefined) {
        if (call.output === 'table') call.io.print(`saga ${sagaId} is ${status}`);
        return ending;
      }
      const waited = call.io.now() - began;
      if (maxWaitMs !== undefined && waited >= maxWaitMs) {
        throw new CliError(
          EXIT.unavailable,
          `saga ${sagaId} has not ended within --max-wait ${maxWaitMs} ms (it is ${status ?? 'without an audit line'})`,
        );
      }
      const left = maxWaitMs === undefined ? intervalMs : maxWaitMs - waited;
      await call.io.sleep(Math.min(intervalMs, left));
    }
  },
};
