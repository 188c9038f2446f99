import { useState } from 'preact/hooks';
import { EMPTY_FILTER, SAGA_STATUSES, sagaQuery, type SagaFilter } from './saga-filter.js';

/** The text fields of the form, each with its label. */
const TEXT_FIELDS = [
  ['type', 'Saga type'],
  ['version', 'Version'],
  ['participant', 'Participant (of a step in flight or halted)'],
  ['step', 'Step (in flight or halted)'],
  ['errorCode', 'Error code (a failure it met)'],
  ['idempotencyKey', 'Idempotency key'],
] as const;

/**
 * The saga list's filter: the fields, the status chips and a raw query-language expression;
 * shows the expression it sends. Applied on submit (the list keeps it in the address).
 */
export function SagaFilterForm({
  filter,
  onApply,
}: {
  readonly filter: SagaFilter;
  readonly onApply: (filter: SagaFilter) => void;
}) {
  const [draft, setDraft] = useState(filter);
  const set = (field: keyof SagaFilter, value: string) => setDraft({ ...draft, [field]: value });
  const toggle = (status: string) =>
    setDraft({
      ...draft,
      statuses: draft.statuses.includes(status)
        ? draft.statuses.filter((s) => s !== status)
        : [...draft.statuses, status],
    });
  const badVersion = draft.version.trim() !== '' && !/^\d+$/.test(draft.version.trim());
  return (
    <form
      class="filter"
      aria-label="Saga filter"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <fieldset class="chips">
        <legend>Status</legend>
        {SAGA_STATUSES.map((status) => (
          <label key={status} class={`chip-toggle chip-${status}`}>
            <input
              type="checkbox"
              checked={draft.statuses.includes(status)}
              onChange={() => toggle(status)}
            />
            {status}
          </label>
        ))}
      </fieldset>
      <div class="fields">
        {TEXT_FIELDS.map(([field, label]) => (
          <div class="field" key={field}>
            <label for={`filter-${field}`}>{label}</label>
            <input
              id={`filter-${field}`}
              name={field}
              value={draft[field]}
              inputMode={field === 'version' ? 'numeric' : undefined}
              aria-invalid={field === 'version' && badVersion ? true : undefined}
              onInput={(event) => set(field, event.currentTarget.value)}
            />
          </div>
        ))}
        <div class="field">
          <label for="filter-createdFrom">Created from</label>
          <input
            id="filter-createdFrom"
            type="datetime-local"
            value={draft.createdFrom}
            onInput={(event) => set('createdFrom', event.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="filter-createdTo">Created before</label>
          <input
            id="filter-createdTo"
            type="datetime-local"
            value={draft.createdTo}
            onInput={(event) => set('createdTo', event.currentTarget.value)}
          />
        </div>
      </div>
      {badVersion && <p class="hint">The version must be a whole number; it is left out.</p>}
      <div class="field wide">
        <label for="filter-expression">Query expression (added with &&)</label>
        <textarea
          id="filter-expression"
          rows={2}
          spellcheck={false}
          placeholder={'e.g. updatedAt < now - duration("15m")'}
          value={draft.expression}
          onInput={(event) => set('expression', event.currentTarget.value)}
        />
      </div>
      <p class="query-preview">
        Query: <code>{sagaQuery(draft) || '(every saga)'}</code>
      </p>
      <div class="actions">
        <button type="submit" class="primary">
          Apply filter
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY_FILTER);
            onApply(EMPTY_FILTER);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
