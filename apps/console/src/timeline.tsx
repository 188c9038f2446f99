import { formatTime } from './format.js';
import { timelineLanes, type HistoryEntry, type TimelineEntry } from './timeline-lanes.js';

/**
 * A saga's history as a table in the audit log's order: each entry (start, reply, timer, breaker
 * hold, operator action) with what it did in two lanes, forward and compensation; an operator's
 * action with its note (who, and the reason, as typed) under the event.
 */
export function Timeline({ history }: { readonly history: readonly HistoryEntry[] }) {
  const entries = timelineLanes(history);
  if (entries.length === 0) return <p>No history recorded.</p>;
  return (
    <table class="timeline">
      <caption>Timeline, oldest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Event</th>
          <th scope="col">Forward</th>
          <th scope="col">Compensation</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((entry, index) => (
          <tr key={index} data-event={entry.eventType}>
            <td class="nowrap">{formatTime(entry.at)}</td>
            <td>
              <EventCell entry={entry} />
            </td>
            <td>
              <Sentences lines={entry.forward} />
            </td>
            <td>
              <Sentences lines={entry.compensation} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EventCell({ entry }: { readonly entry: TimelineEntry }) {
  const step = entry.stepId === null ? '' : ` ${entry.stepId}`;
  const attempt = entry.attempt === null ? '' : ` (attempt ${entry.attempt})`;
  return (
    <>
      <strong>
        {entry.label}
        {step}
        {attempt}
      </strong>
      <div class="transition">
        {entry.fromStatus ?? '–'} → {entry.toStatus}
        {!entry.applied && <span class="tag"> (not applied)</span>}
      </div>
      {entry.operatorNote !== undefined ? (
        <div class="actor">{entry.operatorNote}</div>
      ) : (
        entry.actor !== null && <div class="actor">by {entry.actor}</div>
      )}
    </>
  );
}

function Sentences({ lines }: { readonly lines: readonly string[] }) {
  if (lines.length === 0) return null;
  return (
    <ul class="plain">
      {lines.map((line, index) => (
        <li key={index}>{line}</li>
      ))}
    </ul>
  );
}
