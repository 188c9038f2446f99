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
  /**
   * An operator's action, from its note on, as the engine wrote it (`cancelled by ops: <reason>`
   * and what followed): the reason is the operator's free text, never split nor put in a lane.
   */
  readonly operatorNote?: string;
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

/** How the engine's note of an operator's action begins (libs/saga-core operator-note.ts). */
const OPERATOR_NOTE: Readonly<Record<string, RegExp>> = {
  cancel: /(^|; )cancelled by /,
  resume: /(^|; )resumed by /,
  'retry-step': /(^|; )retry of \S+ by /,
};

/**
 * The history in the API's order (the audit log's: a clock that went back does not reorder it),
 * the detail of each entry split into its sentences (the engine joins them with `; `) and each
 * sentence put in a lane: one that speaks of compensation (`sent compensation of …`,
 * `… compensated`, `compensating (step-failed)`) in the compensation lane, any other (`sent …
 * attempt 2`, `step … succeeded`, a timeout, a breaker hold) in the forward lane. An operator's
 * note and all after it are kept whole (its reason is free text that may hold `; `).
 */
export function timelineLanes(history: readonly HistoryEntry[]): TimelineEntry[] {
  return history.map((entry) => {
    const note = OPERATOR_NOTE[entry.eventType]?.exec(entry.detail);
    const engineText =
      note === undefined || note === null ? entry.detail : entry.detail.slice(0, note.index);
    const sentences = engineText
      .split('; ')
      .map((sentence) => sentence.trim())
      .filter((sentence) => sentence !== '');
    return {
      ...entry,
      label: LABELS[entry.eventType] ?? entry.eventType,
      forward: sentences.filter((sentence) => !/compensat/i.test(sentence)),
      compensation: sentences.filter((sentence) => /compensat/i.test(sentence)),
      ...(note === undefined || note === null
        ? {}
        : { operatorNote: entry.detail.slice(note.index + note[1]!.length) }),
    };
  });
}
