import { LIMITS, type JsonValue } from '#contracts';

/** A recorded dead letter as the API shows it. */
export interface DeadLetterView {
  /** Decimal string. */
  readonly id: string;
  /** The dead-letter topic it was read from. */
  readonly topic: string;
  readonly originalTopic: string;
  readonly originalPartition: number | null;
  readonly originalOffset: string | null;
  readonly key: string | null;
  /** The original headers (the `dlq-*` ones are shown as fields instead). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body: parsed JSON when it is JSON, else the text (see renderDeadLetterValue). */
  readonly value: JsonValue;
  readonly valueTruncated: boolean;
  /** The value is a redacted copy (its sensitive fields hidden when it was dead-lettered): not replayable. */
  readonly valueRedacted: boolean;
  /**
   * Its key, value or a header held bytes that are not valid UTF-8, shown (and stored) as U+FFFD:
   * not replayable, a replay would send other bytes than the original.
   */
  readonly bytesReplaced: boolean;
  readonly reason: string;
  readonly failedAt: string | null;
  readonly recordedAt: string;
  readonly replayedAt: string | null;
  readonly replayedBy: string | null;
  readonly replayCount: number;
}

/** A page of dead letters, newest first. */
export interface DeadLetterPage {
  readonly items: readonly DeadLetterView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Filters and paging of `GET /dead-letters`. */
export interface DeadLetterListQuery {
  readonly topic?: string;
  readonly originalTopic?: string;
  /** true: only replayed ones; false: only those never replayed; absent: both. */
  readonly replayed?: boolean;
  readonly limit: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** The answer of a replay: what was republished, and whether more wait (bulk replay). */
export interface ReplayAnswer {
  readonly replayed: readonly string[];
  /** True when the bulk replay stopped at its batch bound and more dead letters wait. */
  readonly more: boolean;
  /**
   * Dead letters left as they were because their sealed value does not open (its key is not in
   * the keyring): restore the key, and they replay.
   */
  readonly unopenable: readonly string[];
  /**
   * When more wait, the id of the last dead letter taken: the next call given it as `after` goes
   * on from there, past those that did not open. Null when none wait.
   */
  readonly resumeAfter: string | null;
}

/**
 * The value as the API shows it: the JSON it holds, or the text when it is not JSON or is
 * nested deeper than LIMITS.jsonDepth (JSON.parse takes any depth, but writing the answer out
 * recurses: one such letter would fail every page that holds it). The one place a dead letter's
 * body is rendered for people: redaction of sensitive fields belongs here.
 */
export function renderDeadLetterValue(value: string | null): JsonValue {
  if (value === null) return null;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(value) as JsonValue;
  } catch {
    return value;
  }
  return nestedDeeperThan(parsed, LIMITS.jsonDepth) ? value : parsed;
}

/** Whether `value` holds more than `limit` arrays and objects one in another (walked without recursion). */
function nestedDeeperThan(value: JsonValue, limit: number): boolean {
  const pending: [JsonValue, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, outer] = next;
    if (item === null || typeof item !== 'object') continue;
    if (outer >= limit) return true;
    for (const inner of Object.values(item)) pending.push([inner, outer + 1]);
  }
  return false;
}
