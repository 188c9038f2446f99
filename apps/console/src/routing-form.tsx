import { useState } from 'preact/hooks';
import { failureText } from './api-client.js';
import { ApiError } from './api-problem.js';
import { useConsole } from './app-context.js';
import type { DefinitionListing, RoutingView } from './api-views.js';
import { Notice } from './notice.js';

/** What `PUT /saga-definitions/:name/routing` takes (request-schemas.ts, routeBodySchema). */
interface RouteRequest {
  readonly active: number;
  readonly ramp?: { readonly version: number; readonly percent: number };
  readonly reason: string;
  /** The route's revision as read; 0 for a type without a route. */
  readonly revision: number;
}

/**
 * Changes how a saga type's new starts are routed (role `define`): the active version, and
 * optionally a version ramped up to a share of the starts, with the reason for the log. It sends
 * the revision of the route as it was read when the form was drawn, so that a change made
 * meanwhile by someone else is refused (409) rather than overwritten; the parent draws a fresh
 * form (keyed by revision) once the routing it reads has changed.
 */
export function RoutingForm({
  name,
  routing,
  versions,
  onChanged,
}: {
  readonly name: string;
  readonly routing: RoutingView;
  readonly versions: readonly DefinitionListing[];
  /** After a change: the parent reads the routing again (a new revision: a fresh form). */
  readonly onChanged: (message: string) => void;
}) {
  const { api } = useConsole();
  const usable = versions.filter((definition) => !definition.retired).map((d) => d.version);
  const route = routing.route;
  const [active, setActive] = useState(String(route?.active ?? usable.at(-1) ?? ''));
  const [rampVersion, setRampVersion] = useState(String(route?.ramp?.version ?? ''));
  const [percent, setPercent] = useState(String(route?.ramp?.percent ?? ''));
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  // The revision the operator saw when filling the form: a change made since is refused (409).
  const [revision] = useState(route?.revision ?? 0);
  const percentValue = Number(percent);
  const percentOk =
    rampVersion === '' ||
    (percent.trim() !== '' &&
      percentValue >= 0 &&
      percentValue <= 100 &&
      !Number.isNaN(percentValue));
  const complete = active !== '' && reason.trim() !== '' && percentOk;
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    const body: RouteRequest = {
      active: Number(active),
      ...(rampVersion === ''
        ? {}
        : {
            ramp: { version: Number(rampVersion), percent: Math.round(percentValue * 100) / 100 },
          }),
      reason: reason.trim(),
      revision,
    };
    setBusy(true);
    setError(undefined);
    try {
      await api.put(`/saga-definitions/${encodeURIComponent(name)}/routing`, body);
      onChanged(`Routing of ${name} changed.`);
    } catch (failure) {
      setError(routingFailureText(failure));
      setBusy(false);
    }
  };
  return (
    <form
      class="routing"
      aria-label={`Change the routing of ${name}`}
      onSubmit={(e) => void submit(e)}
    >
      <h3>Change the routing</h3>
      <fieldset class="bare" disabled={busy}>
        <legend class="visually-hidden">Versions and reason</legend>
        <div class="fields">
          <div class="field">
            <label for="routing-active">Active version</label>
            <select
              id="routing-active"
              value={active}
              onChange={(event) => setActive(event.currentTarget.value)}
            >
              {usable.map((version) => (
                <option key={version} value={String(version)}>
                  {version}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="routing-ramp-version">Ramp version</label>
            <select
              id="routing-ramp-version"
              value={rampVersion}
              onChange={(event) => setRampVersion(event.currentTarget.value)}
            >
              <option value="">none</option>
              {usable.map((version) => (
                <option key={version} value={String(version)}>
                  {version}
                </option>
              ))}
            </select>
          </div>
          {rampVersion !== '' && (
            <div class="field">
              <label for="routing-ramp-percent">Ramp share (% of new starts)</label>
              <input
                id="routing-ramp-percent"
                type="number"
                min={0}
                max={100}
                step={0.01}
                required
                value={percent}
                aria-invalid={percentOk ? undefined : true}
                onInput={(event) => setPercent(event.currentTarget.value)}
              />
            </div>
          )}
          <div class="field">
            <label for="routing-reason">Reason (recorded in the definitions' log)</label>
            <input
              id="routing-reason"
              required
              value={reason}
              onInput={(event) => setReason(event.currentTarget.value)}
            />
          </div>
        </div>
      </fieldset>
      <Notice error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !complete}>
          Change routing
        </button>
      </div>
    </form>
  );
}

/** A refusal in words; a 409 is most often the route changed since it was read. */
function routingFailureText(failure: unknown): string {
  const text = failureText(failure);
  if (failure instanceof ApiError && failure.status === 409) {
    return `${text.replace(/\.$/, '')}. The routing may have changed since this page read it: check it below and try again.`;
  }
  return text;
}
