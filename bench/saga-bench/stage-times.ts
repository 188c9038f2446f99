/**
 * Where a saga's time goes inside the coordinator, read from its own metrics
 * (`saga_consumer_message_age_seconds`, `saga_consumer_chunk_seconds`): the sums and counts of
 * those histograms before and after a rate step give its means.
 */

/** The cumulative `_sum` and `_count` of each series, keyed by metric name and labels. */
export type StageTotals = ReadonlyMap<string, { readonly sum: number; readonly count: number }>;

/** Means over one rate step, in ms (undefined where nothing was observed). */
export interface StageMeans {
  /** A start's age when handed to the decisions: from its send, through the broker and the start consumer. */
  readonly startAgeMs?: number;
  /** Deciding a chunk of starts (its statement and commit). */
  readonly startDecisionMs?: number;
  /** A reply's age when handed to the decisions: from the participant's send. */
  readonly replyAgeMs?: number;
  /** Deciding a chunk of replies. */
  readonly replyDecisionMs?: number;
  /** Committing a chunk of replies' offset (the reply consumer fetches again after it). */
  readonly replyCommitMs?: number;
}

const SERIES = /^(saga_consumer_(?:message_age|chunk)_seconds)_(sum|count)\{([^}]*)\} (\S+)$/;

/** Parses the Prometheus text exposition for the coordinator's consumer timing series. */
export function parseStageTotals(exposition: string): StageTotals {
  const totals = new Map<string, { sum: number; count: number }>();
  for (const line of exposition.split('\n')) {
    const match = SERIES.exec(line);
    if (!match) continue;
    const [, metric, part, labels, value] = match;
    const topic = /topic="[^"]*?(start|replies)"/.exec(labels!)?.[1];
    const stage = /stage="([^"]+)"/.exec(labels!)?.[1];
    if (topic === undefined) continue;
    const key = [metric, topic, stage].filter(Boolean).join(' ');
    const entry = totals.get(key) ?? { sum: 0, count: 0 };
    entry[part as 'sum' | 'count'] = Number(value);
    totals.set(key, entry);
  }
  return totals;
}

/** Reads the totals from a coordinator's `/metrics`; undefined when it does not answer in time. */
export async function readStageTotals(metricsUrl: string): Promise<StageTotals | undefined> {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? parseStageTotals(await response.text()) : undefined;
  } catch {
    return undefined; // a side measurement: the step goes on without it
  }
}

/** The means between two readings. */
export function stageMeans(before: StageTotals, after: StageTotals): StageMeans {
  const meanMs = (key: string): number | undefined => {
    const a = after.get(key);
    const b = before.get(key) ?? { sum: 0, count: 0 };
    const count = (a?.count ?? 0) - b.count;
    return a === undefined || count <= 0 ? undefined : ((a.sum - b.sum) / count) * 1_000;
  };
  const entries = {
    startAgeMs: meanMs('saga_consumer_message_age_seconds start'),
    startDecisionMs: meanMs('saga_consumer_chunk_seconds start handle'),
    replyAgeMs: meanMs('saga_consumer_message_age_seconds replies'),
    replyDecisionMs: meanMs('saga_consumer_chunk_seconds replies handle'),
    replyCommitMs: meanMs('saga_consumer_chunk_seconds replies commit'),
  };
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}
