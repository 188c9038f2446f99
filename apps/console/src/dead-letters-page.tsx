import { useRef, useState } from 'preact/hooks';
import { failureText } from './api-client.js';
import { useConsole } from './app-context.js';
import type { DeadLetter, Page } from './api-views.js';
import { formatJson, formatTime } from './format.js';
import { Notice } from './notice.js';
import { Pager, usePaging } from './pager.js';
import { usePolling } from './use-polling.js';

type ReplayedFilter = 'all' | 'false' | 'true';

/**
 * The dead letters (`GET /dead-letters`), newest first, with their reason and value; each can
 * be replayed to its original topic (`POST /dead-letters/:id/replay`, role `operate`).
 */
export function DeadLettersPage() {
  const { api } = useConsole();
  const paging = usePaging();
  const [replayed, setReplayed] = useState<ReplayedFilter>('all');
  const [message, setMessage] = useState<{ error?: string; success?: string }>({});
  // The dead letters whose replay is in flight: their button is disabled until it answers.
  const [replaying, setReplaying] = useState<ReadonlySet<string>>(new Set());
  // The same, at once: two clicks before the next render must not send two replays.
  const inFlight = useRef(new Set<string>());
  const page = usePolling(
    (signal) => {
      const params = new URLSearchParams({ limit: '25' });
      if (replayed !== 'all') params.set('replayed', replayed);
      if (paging.cursor !== undefined) params.set('cursor', paging.cursor);
      return api.get<Page<DeadLetter>>(`/dead-letters?${params.toString()}`, { signal });
    },
    5_000,
    [paging.cursor, replayed],
  );
  const replay = async (letter: DeadLetter) => {
    if (inFlight.current.has(letter.id)) return;
    inFlight.current.add(letter.id);
    setReplaying((ids) => new Set(ids).add(letter.id));
    setMessage({});
    try {
      const answer = await api.post<DeadLetter>(
        `/dead-letters/${encodeURIComponent(letter.id)}/replay`,
      );
      setMessage({
        success: `Replayed dead letter ${answer.id} to ${answer.originalTopic} (replays: ${answer.replayCount}).`,
      });
      page.refresh();
    } catch (failure) {
      setMessage({ error: `Dead letter ${letter.id} not replayed. ${failureText(failure)}` });
    } finally {
      inFlight.current.delete(letter.id);
      setReplaying((ids) => {
        const left = new Set(ids);
        left.delete(letter.id);
        return left;
      });
    }
  };
  const items = page.data?.items;
  return (
    <section aria-labelledby="dead-letters-title">
      <h1 id="dead-letters-title">Dead letters</h1>
      <div class="field inline">
        <label for="dead-letters-replayed">Show</label>
        <select
          id="dead-letters-replayed"
          value={replayed}
          onChange={(event) => {
            paging.first();
            setReplayed(event.currentTarget.value as ReplayedFilter);
          }}
        >
          <option value="all">all</option>
          <option value="false">not replayed yet</option>
          <option value="true">replayed</option>
        </select>
      </div>
      <Notice error={message.error ?? page.error} success={message.success} />
      {items === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : items.length === 0 ? (
        <p>No dead letter.</p>
      ) : (
        <table class="list">
          <caption>Dead letters, newest first (refreshed every 5 s)</caption>
          <thead>
            <tr>
              <th scope="col">Id</th>
              <th scope="col">Original topic</th>
              <th scope="col">Key</th>
              <th scope="col">Reason and value</th>
              <th scope="col">Recorded</th>
              <th scope="col">Replays</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {items.map((letter) => (
              <tr key={letter.id} data-dead-letter={letter.id}>
                <td class="mono">{letter.id}</td>
                <td class="mono">{letter.originalTopic}</td>
                <td class="mono">{letter.key ?? '–'}</td>
                <td>
                  {letter.reason}
                  <details>
                    <summary>Value{letter.valueRedacted ? ' (sealed)' : ''}</summary>
                    <pre tabIndex={0} aria-label={`Value of dead letter ${letter.id}`}>
                      {formatJson(letter.value)}
                    </pre>
                  </details>
                </td>
                <td>{formatTime(letter.recordedAt)}</td>
                <td>
                  {letter.replayCount}
                  {letter.replayedAt !== null &&
                    ` (last ${formatTime(letter.replayedAt)} by ${letter.replayedBy ?? '?'})`}
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={`Replay dead letter ${letter.id}`}
                    disabled={replaying.has(letter.id)}
                    onClick={() => void replay(letter)}
                  >
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager paging={paging} page={page.data} label="Dead letters" />
    </section>
  );
}
