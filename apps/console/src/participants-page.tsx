import { useConsole } from './app-context.js';
import type { ParticipantView } from './api-views.js';
import { formatTime } from './format.js';
import { hashOf } from './hash-route.js';
import { Notice } from './notice.js';
import { StatusChip } from './status-chip.js';
import { usePolling } from './use-polling.js';

/**
 * The participants (`GET /participants`): each one's circuit breaker, the commands in flight
 * and held back, and the breaker's latest changes; read again every few seconds. A name links
 * to the sagas with a step on that participant in flight or halted.
 */
export function ParticipantsPage() {
  const { api } = useConsole();
  const participants = usePolling(
    (signal) => api.get<ParticipantView[]>('/participants', { signal }),
    3_000,
    [],
  );
  const items = participants.data;
  return (
    <section aria-labelledby="participants-title">
      <h1 id="participants-title">Participants</h1>
      <Notice error={participants.error} />
      {items === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : items.length === 0 ? (
        <p>No participant.</p>
      ) : (
        <table class="list">
          <caption>Participants and their circuit breakers (refreshed every 3 s)</caption>
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Breaker</th>
              <th scope="col">In flight</th>
              <th scope="col">Held</th>
              <th scope="col">Window ok / failed</th>
              <th scope="col">Opened</th>
              <th scope="col">Latest changes</th>
            </tr>
          </thead>
          <tbody>
            {items.map((view) => (
              <tr key={view.participant}>
                <td>
                  <a
                    href={hashOf('/sagas', new URLSearchParams({ participant: view.participant }))}
                  >
                    {view.participant}
                  </a>
                </td>
                <td>
                  <StatusChip status={view.breaker.state} />
                  {view.breaker.state === 'half-open' && ` (${view.breaker.probesLeft} probes)`}
                </td>
                <td>
                  {view.commandsInFlight} / {view.maxCommandsInFlight}
                </td>
                <td>{view.commandsHeld}</td>
                <td>
                  {view.breaker.window.successes} / {view.breaker.window.failures}
                </td>
                <td>{view.breaker.totals.opened}</td>
                <td>
                  {view.recentChanges.length === 0 ? (
                    'none'
                  ) : (
                    <ul class="plain">
                      {view.recentChanges.slice(0, 3).map((change, index) => (
                        <li key={index}>
                          {formatTime(change.at)}: {change.from} → {change.to} ({change.detail})
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
