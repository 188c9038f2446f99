// An API error answer in words, for the operator.

/** An answer of the API that was not a success. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What each status means to the operator, before the API's own words. */
const MEANINGS: Readonly<Record<number, string>> = {
  400: 'Invalid request',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Refused in this state',
  429: 'Too many requests, try again shortly',
  503: 'Unavailable',
};

/**
 * A sentence for an error answer: what the status means, then the API's own words (a
 * problem+json `detail`, or the `message` of the coordinator's error body, with the bad
 * fields it names).
 */
export function problemText(status: number, body: unknown): string {
  const meaning = MEANINGS[status] ?? `Error ${status}`;
  if (typeof body !== 'object' || body === null) return `${meaning}.`;
  const { detail, message, problems } = body as {
    detail?: unknown;
    message?: unknown;
    problems?: unknown;
  };
  const words = typeof detail === 'string' ? detail : typeof message === 'string' ? message : '';
  const fields = Array.isArray(problems)
    ? problems
        .map(
          (p: { field?: unknown; message?: unknown }) => `${String(p.field)}: ${String(p.message)}`,
        )
        .filter((line) => !words.includes(line))
    : [];
  const said = [words, ...fields].filter((part) => part !== '').join('; ');
  return said === '' ? `${meaning}.` : `${meaning}: ${said}`;
}
