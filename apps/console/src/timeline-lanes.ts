// A saga's history (the audit entries of `GET /sagas/:id`) laid out in two lanes: what moved it
// forward, and what undid it.

/** One entry of a saga's `history`, as the API gives it. */
export interface HistoryEntry {
  readonly at: string;
  readonly eventType: string;
  readonly fromStatus: string | null;
  readonly toStatus: string;
  readonly stepId: string | null;
  readonly attempt: number | null;
  readonly actor: string | null;
  readonly applied: boolean;
  readonly detail: string;
}

/** An entry with a short label of what it was, and what it did, lane by lane. */
export interface TimelineEntry extends HistoryEntry {
  readonly label: string;
  /** The sentences of its detail about moving forward: commands sent, replies, timeouts. */
  readonly forward: readonly string[];
  /** The sentences about undoing: compensation commands, their replies, the saga compensating. */
  readonly compensation: readonly string[];
}

/** What each audit event type was, in words; an unknown type is shown as it is. */
const LABELS: Readonly<Record<string, string>> = {
  start: 'started',
  reply: 'reply',
  wakeup: 'timer (retry or timeout)',
  'command-refused': 'breaker hold',
  undeliverable: 'undeliverable command',
  cancel: 'cancelled by operator',
  resume: 'resumed by operator',
  'retry-step': 'step retried by operator',
};

/**
 * The history in time order, the detail of each entry split into its sentences (the engine
 * joins them with `; `) and each sentence put in a lane: one that speaks of compensation
 * (`sent compensation of …`, `… compensated`, `compensating (step-failed)`) in the compensation
 * lane, any other (`sent … attempt 2`, `step … succeeded`, a timeout, a breaker hold) in the
 * forward lane. A start, a reply, a timer, an operator's action may so show in both.
 */
export function timelineLanes(history: readonly HistoryEntry[]): TimelineEntry[] {
  const ordered = [...history].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return ordered.map((entry) => {
    const sentences = entry.detail
      .split('; ')
      .map((sentence) => sentence.trim())
      .filter((sentence) => sentence !== '');
    return {
      ...entry,
      label: LABELS[entry.eventType] ?? entry.eventType,
      forward: sentences.filter((sentence) => !/compensat/i.test(sentence)),
      compensation: sentences.filter((sentence) => /compensat/i.test(sentence)),
    };
  });
}
