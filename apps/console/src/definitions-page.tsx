import { useState } from 'preact/hooks';
import { useConsole } from './app-context.js';
import type { DefinitionListing, RoutingView } from './api-views.js';
import { formatTime } from './format.js';
import { hashOf } from './hash-route.js';
import { Notice } from './notice.js';
import { RoutingForm } from './routing-form.js';
import { StepGraph } from './step-graph.js';
import { usePolling } from './use-polling.js';

/**
 * The saga definitions (`GET /saga-definitions`): every type and version, active or retired;
 * one type chosen (`?name=`), its routing (active version, the ramp of a new one, the log), a
 * form to change it, and the step graph of each of its versions.
 */
export function DefinitionsPage({ params }: { readonly params: URLSearchParams }) {
  const { api } = useConsole();
  const chosen = params.get('name') ?? undefined;
  const definitions = usePolling(
    (signal) => api.get<DefinitionListing[]>('/saga-definitions', { signal }),
    10_000,
    [],
  );
  const items = definitions.data;
  return (
    <section aria-labelledby="definitions-title">
      <h1 id="definitions-title">Saga definitions</h1>
      <Notice error={definitions.error} />
      {items === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <table class="list">
          <caption>Saga types and versions</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Version</th>
              <th scope="col">State</th>
              <th scope="col">Source</th>
              <th scope="col">Participants</th>
              <th scope="col">Steps</th>
            </tr>
          </thead>
          <tbody>
            {items.map((definition) => (
              <tr key={`${definition.name}/${definition.version}`}>
                <td>
                  <a href={hashOf('/definitions', new URLSearchParams({ name: definition.name }))}>
                    {definition.name}
                  </a>
                </td>
                <td>{definition.version}</td>
                <td>{definition.retired ? 'retired' : definition.active ? 'active' : 'standby'}</td>
                <td>{definition.source}</td>
                <td>{definition.participants.join(', ')}</td>
                <td>{definition.steps.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen !== undefined && items !== undefined && (
        <DefinitionDetails
          key={chosen}
          name={chosen}
          versions={items.filter((definition) => definition.name === chosen)}
        />
      )}
    </section>
  );
}

function DefinitionDetails({
  name,
  versions,
}: {
  readonly name: string;
  readonly versions: readonly DefinitionListing[];
}) {
  const { api } = useConsole();
  const [changed, setChanged] = useState<string | undefined>(undefined);
  const routing = usePolling(
    (signal) =>
      api.get<RoutingView>(`/saga-definitions/${encodeURIComponent(name)}/routing`, { signal }),
    5_000,
    [name],
  );
  const route = routing.data?.route;
  return (
    <section aria-labelledby="definition-title">
      <h2 id="definition-title">{name}</h2>
      <p>
        <a href={hashOf('/sagas', new URLSearchParams({ type: name }))}>The sagas of {name}</a>
      </p>
      <Notice error={routing.error} />
      {routing.data !== undefined && (
        <dl class="facts">
          <dt>Routing</dt>
          <dd>
            {route === undefined
              ? 'no route: starts that name no version get the latest one'
              : `version ${route.active} active (revision ${route.revision})`}
          </dd>
          {route?.ramp !== undefined && (
            <>
              <dt>Ramp</dt>
              <dd>
                version {route.ramp.version} gets {route.ramp.percent}% of new starts since{' '}
                {formatTime(route.ramp.since)}
              </dd>
            </>
          )}
        </dl>
      )}
      <Notice success={changed} />
      {routing.data !== undefined && (
        <RoutingForm
          key={route?.revision ?? 0}
          name={name}
          routing={routing.data}
          versions={versions}
          onChanged={(message) => {
            setChanged(message);
            routing.refresh();
          }}
        />
      )}
      {routing.data !== undefined && routing.data.log.length > 0 && (
        <table class="list">
          <caption>Latest changes of {name}</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Version</th>
              <th scope="col">Action</th>
              <th scope="col">By</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {routing.data.log.map((entry, index) => (
              <tr key={index}>
                <td>{formatTime(entry.at)}</td>
                <td>{entry.version ?? '–'}</td>
                <td>{entry.action}</td>
                <td>{entry.actor}</td>
                <td>{entry.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {versions.map((definition) => (
        <div key={definition.version}>
          <h3>
            {name} version {definition.version}
          </h3>
          {definition.description !== undefined && <p>{definition.description}</p>}
          <StepGraph steps={definition.steps} />
        </div>
      ))}
    </section>
  );
}
