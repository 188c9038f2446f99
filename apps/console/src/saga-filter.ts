// The saga list's filter: the form's fields, the query-language expression they make for
// `GET /sagas?q=`, and the URL parameters that keep the filter in the page's address.

/** Every status a saga can have, in the order the console lists them. */
export const SAGA_STATUSES = ['running', 'compensating', 'stuck', 'completed', 'compensated'];

/** The filter form; an empty string (or no status) leaves a field out of the query. */
export interface SagaFilter {
  readonly type: string;
  /** A whole number, as typed. */
  readonly version: string;
  /** Any of these statuses; none: every status. */
  readonly statuses: readonly string[];
  readonly participant: string;
  readonly step: string;
  readonly errorCode: string;
  readonly idempotencyKey: string;
  /** Creation time range, as a `datetime-local` field gives it (the browser's time zone). */
  readonly createdFrom: string;
  readonly createdTo: string;
  /** A raw expression of the query language, added to the fields with `&&`. */
  readonly expression: string;
}

/** The filter that matches every saga. */
export const EMPTY_FILTER: SagaFilter = {
  type: '',
  version: '',
  statuses: [],
  participant: '',
  step: '',
  errorCode: '',
  idempotencyKey: '',
  createdFrom: '',
  createdTo: '',
  expression: '',
};

/** The text fields that compare with `==`, by the query language's name of each. */
const EQUALITY_FIELDS = [
  ['type', 'sagaType'],
  ['participant', 'participant'],
  ['step', 'step'],
  ['errorCode', 'errorCode'],
  ['idempotencyKey', 'idempotencyKey'],
] as const satisfies readonly (readonly [keyof SagaFilter, string])[];

/** A string literal of the query language (CEL): JSON's escapes are CEL's. */
const literal = (text: string): string => JSON.stringify(text);

/** A `datetime-local` value as a CEL timestamp in UTC; undefined when it is not a time. */
function timestampOf(local: string): string | undefined {
  const time = new Date(local);
  return Number.isNaN(time.getTime()) ? undefined : `timestamp(${literal(time.toISOString())})`;
}

/**
 * The query-language expression of `filter`: each set field as a comparison, all joined with
 * `&&`, the raw expression in parentheses last. Empty when nothing is set (every saga).
 * A version that is not a whole number is left out (the form says so beside the field).
 */
export function sagaQuery(filter: SagaFilter): string {
  const parts: string[] = [];
  for (const [field, name] of EQUALITY_FIELDS) {
    const value = filter[field].trim();
    if (value !== '') parts.push(`${name} == ${literal(value)}`);
  }
  if (/^\d+$/.test(filter.version.trim())) parts.push(`version == ${filter.version.trim()}`);
  if (filter.statuses.length === 1) parts.push(`status == ${literal(filter.statuses[0]!)}`);
  if (filter.statuses.length > 1) {
    parts.push(`status in [${filter.statuses.map(literal).join(', ')}]`);
  }
  const from = timestampOf(filter.createdFrom);
  if (filter.createdFrom !== '' && from !== undefined) parts.push(`createdAt >= ${from}`);
  const to = timestampOf(filter.createdTo);
  if (filter.createdTo !== '' && to !== undefined) parts.push(`createdAt < ${to}`);
  const expression = filter.expression.trim();
  if (expression !== '') parts.push(parts.length === 0 ? expression : `(${expression})`);
  return parts.join(' && ');
}

/** The filter as URL parameters, only the fields that are set (statuses comma-separated). */
export function filterToParams(filter: SagaFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter) as [keyof SagaFilter, unknown][]) {
    if (key === 'statuses') {
      if (filter.statuses.length > 0) params.set(key, filter.statuses.join(','));
    } else if (typeof value === 'string' && value !== '') {
      params.set(key, value);
    }
  }
  return params;
}

/** The filter the URL parameters hold; unknown parameters and statuses are ignored. */
export function filterFromParams(params: URLSearchParams): SagaFilter {
  const text = (key: keyof SagaFilter): string => params.get(key) ?? '';
  const statuses = (params.get('statuses') ?? '')
    .split(',')
    .filter((status) => SAGA_STATUSES.includes(status));
  return {
    type: text('type'),
    version: text('version'),
    statuses,
    participant: text('participant'),
    step: text('step'),
    errorCode: text('errorCode'),
    idempotencyKey: text('idempotencyKey'),
    createdFrom: text('createdFrom'),
    createdTo: text('createdTo'),
    expression: text('expression'),
  };
}
