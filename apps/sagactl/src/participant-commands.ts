import { pathOf } from './api-client.js';
import type { ParticipantView } from './api-views.js';
import type { CommandSpec } from './command-spec.js';
import { EXIT } from './exit-codes.js';
import { formatTable, prettyJson, shortTime } from './output-format.js';

/**
 * `sagactl participants [name]`: `GET /participants` (or `/participants/:name`, with its latest
 * breaker changes): each participant's circuit breaker and the commands in flight and held.
 */
const participants: CommandSpec = {
  words: ['participants'],
  synopsis: '[name]',
  summary: "participants: their breaker's state, commands in flight and held",
  args: ['name?'],
  options: [],
  async run(call) {
    const [name] = call.args;
    if (name === undefined) {
      const views = await call.api.get<ParticipantView[]>('/participants');
      call.io.print(call.output === 'json' ? prettyJson(views) : participantTable(views));
      return EXIT.ok;
    }
    const view = await call.api.get<ParticipantView>(pathOf('participants', name));
    if (call.output === 'json') {
      call.io.print(prettyJson(view));
      return EXIT.ok;
    }
    const changes = formatTable(
      ['at', 'from', 'to', 'instance', 'detail'],
      view.recentChanges.map((c) => [shortTime(c.at), c.from, c.to, c.instance, c.detail]),
    );
    call.io.print(`${participantTable([view])}\n\nRecent breaker changes:\n${changes}`);
    return EXIT.ok;
  },
};

/** The participant commands. */
export const PARTICIPANT_COMMANDS: readonly CommandSpec[] = [participants];

function participantTable(views: readonly ParticipantView[]): string {
  const headers = ['participant', 'breaker', 'in flight', 'held', 'window ok/failed', 'opened'];
  const rows = views.map((v) => [
    v.participant,
    v.breaker.state,
    `${v.commandsInFlight}/${v.maxCommandsInFlight}`,
    v.commandsHeld,
    `${v.breaker.window.successes}/${v.breaker.window.failures}`,
    v.breaker.totals.opened,
  ]);
  return formatTable(headers, rows);
}
