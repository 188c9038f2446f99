import { HEADERS, topicNames, type CommandMessage, type JsonValue } from '#contracts';
import type { ProbeCommand } from './probe-outcomes.js';
import { commandMessageId, type SagaState, type Wakeup } from '#saga-core';
import { prepared, type SqlRunner } from '#postgres';
import { describeError } from '#errors';
import { databaseNow, enqueueOutbox, lockSagas, type OutboxRow } from '../persistence/saga-rows.js';
import { UnsealError } from '../security/field-cipher.js';

/** A reply timeout that starts only when its command is finally sent. */
export interface HeldReplyTimer {
  readonly id: string;
  readonly delayMs: number;
  readonly wakeup: Wakeup;
}

/** A command that waits in the database, with the outbox row it becomes once released. */
export interface HeldCommandRow extends OutboxRow {
  readonly sagaId: string;
  readonly command: CommandMessage;
  replyTimer?: HeldReplyTimer;
}

const json = (value: unknown): string => JSON.stringify(value);

// Every topic of an environment carries the same prefix (topicNames): a command's topic is its
// reply topic less REPLY_TOPIC, then its participant's name and COMMAND_TOPIC_END.
const REPLY_TOPIC = topicNames().replies;
const COMMAND_TOPIC_END = topicNames().commands('p').slice('p'.length);

/**
 * SQL: whether the saga row `s` still awaits the reply to the held command `h`'s very attempt
 * (stillAwaited, in SQL): its step runs that attempt (an execute) or compensates it. A held row
 * that fails it was superseded (an operator retried its step while it was held: nothing deletes
 * the earlier attempt's row then) or its saga moved on. It will never be sent, so it takes no
 * room under the cap and counts as held nowhere; the participant's next release takes it off.
 * One containment test: each saga's state is read once.
 */
const awaitedBy = (s: string, h: string): string =>
  `${s}.state->'steps'->${h}.step_id @> jsonb_build_object('status',
    CASE ${h}.action WHEN 'execute' THEN 'running' ELSE 'compensating' END, 'attempt', ${h}.attempt)`;

/**
 * SQL: per stuck saga and participant it awaits (`participant`, `steps`), its steps in flight
 * whose command never reached the participant, so is not in flight there: still in the outbox,
 * the row set aside or one behind it (the saga's earlier rows were sent). Counted, each would
 * keep a slot of the participant's cap until an operator acts, and a participant's topic deleted
 * strands every saga that sends to it. A command's row is told by its topic, its step by its
 * headers or, when they are left out, its payload (outbox-headers.ts; a payload sealed whole
 * keeps them all); a step whose command is held (that very attempt: awaitedBy) counts with the
 * held ones (an earlier attempt of it may be the row set aside). Driven by the rows set aside
 * (outbox_set_aside_idx: none, in the normal case), then each such stuck saga's unsent rows
 * (outbox_unsent_saga_idx).
 */
const STRANDED_STEPS = `SELECT a.participant,
    least(count(DISTINCT c.step_id), cardinality(array_positions(s.awaiting, a.participant))) AS steps
  FROM (SELECT DISTINCT saga_id FROM outbox WHERE set_aside_at IS NOT NULL) aside
  JOIN sagas s ON s.id = aside.saga_id
  JOIN outbox o ON o.saga_id = s.id AND o.sent_at IS NULL
  CROSS JOIN LATERAL (SELECT
    coalesce(o.headers->>'${HEADERS.stepId}', o.payload->>'stepId') AS step_id,
    left(coalesce(o.headers->>'${HEADERS.replyTo}', o.payload->>'replyTo'),
      -length('${REPLY_TOPIC}')) AS topic_prefix) c
  JOIN LATERAL unnest(s.awaiting) AS a(participant)
    ON o.topic = c.topic_prefix || a.participant || '${COMMAND_TOPIC_END}'
  WHERE s.status = 'stuck'
    AND NOT EXISTS (SELECT 1 FROM held_commands h
      WHERE h.saga_id = s.id AND h.step_id = c.step_id AND ${awaitedBy('s', 'h')})
  GROUP BY s.id, a.participant`;

/** Stores commands that may not be sent yet. */
export async function holdCommands(sql: SqlRunner, rows: readonly HeldCommandRow[]): Promise<void> {
  if (rows.length === 0) return;
  await sql.query(
    `INSERT INTO held_commands (participant, saga_id, step_id, action, attempt, lane, topic,
       message_key, headers, payload, reply_timer)
     SELECT x.participant, x.saga_id, x.step_id, x.action, x.attempt, x.lane, x.topic,
       x.message_key, x.headers, x.payload, x.reply_timer
     FROM jsonb_to_recordset($1::jsonb) AS x(ord integer, participant text, saga_id uuid,
       step_id text, action text, attempt integer, lane smallint, topic text, message_key text,
       headers jsonb, payload jsonb, reply_timer jsonb)
     ORDER BY x.ord`,
    [
      json(
        rows.map((row, ord) => ({
          ord,
          participant: row.command.participant,
          saga_id: row.sagaId,
          step_id: row.command.stepId,
          action: row.command.action,
          attempt: row.command.attempt,
          lane: row.lane,
          topic: row.topic,
          message_key: row.key,
          headers: row.headers,
          payload: row.payload,
          reply_timer: row.replyTimer ?? null,
        })),
      ),
    ],
  );
}

/** A held command whose payload did not open to take its send time (sealed with a key since dropped). */
export interface UnopenableHeld {
  readonly sagaId: string;
  readonly stepId: string;
  /** Why it did not open. */
  readonly reason: string;
}

/** What a release did: commands moved to the outbox (with their row ids), and stale ones dropped. */
export interface ReleaseResult {
  /** Commands moved to the outbox restamped, in `outbox` for the fast path. */
  readonly released: number;
  /** Commands found no longer awaited when their sagas were locked: taken off, never sent. */
  readonly dropped: number;
  readonly outbox: { readonly ids: string[]; readonly rows: OutboxRow[] };
  /** The commands of `outbox.rows`, in their order: what a half-open breaker's probes were. */
  readonly sent: readonly ProbeCommand[];
  /**
   * Commands whose payload did not open: moved to the outbox as they were held, and left to the
   * relay, which cannot open them either, so sets each aside and marks its saga stuck, as it does
   * any row that does not open. Held, one would be tried again every round for ever, first in
   * line, holding back every other command of its participant.
   */
  readonly unopenable: readonly UnopenableHeld[];
}

interface StoredHeld {
  id: string;
  saga_id: string;
  step_id: string;
  action: CommandMessage['action'];
  attempt: number;
  lane: number;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  payload: JsonValue;
  reply_timer: HeldReplyTimer | null;
}

/** Gives a stored command payload (sealed or not) the time it is really sent. */
export type RestampCommand = (sagaId: string, payload: JsonValue, sentAt: string) => JsonValue;

/**
 * The ids of the reply timers held with the named sagas' commands: each is armed when its
 * command is released, so a decision must not arm it before (see OperatorDecisions.operate).
 */
export async function heldReplyTimerIds(
  sql: SqlRunner,
  sagaIds: readonly string[],
): Promise<string[]> {
  if (sagaIds.length === 0) return [];
  const rows = await sql.query<{ id: string }>(
    `SELECT reply_timer->>'id' AS id FROM held_commands
     WHERE saga_id = ANY($1::uuid[]) AND reply_timer IS NOT NULL`,
    [[...sagaIds]],
  );
  return rows.map((row) => row.id);
}

/**
 * Moves up to `limit` of `participant`'s held commands, oldest first, to the outbox with their
 * `sentAt` set to now (through `restamp`) and arms their reply timers from now. A command whose
 * step no longer awaits that very attempt (the saga ended, the attempt was superseded) is taken
 * off, never sent; a cancelled saga still awaits its running steps, so theirs go out (and are then
 * compensated). A command that `restamp` cannot open goes to the outbox as it is, for the relay to
 * set aside (ReleaseResult.unopenable): the others go on. Call inside a transaction.
 *
 * No more than `cap` commands of the participant are left in flight: its count is read afresh
 * under a lock that every instance's release of the participant takes (held to the commit), so
 * instances that release at once do not each fill the same room.
 */
export async function releaseHeld(
  sql: SqlRunner,
  participant: string,
  limit: number,
  cap: number,
  restamp: RestampCommand,
): Promise<ReleaseResult> {
  await sql.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    `saga-coordinator.release-held:${participant}`,
  ]);
  // A stuck saga's commands stay held for its resume: released, one would wait behind the row
  // that made it stuck, spending a slot of the cap (or a half-open breaker's probe) meanwhile.
  // The participant's held commands are read once, each told whether its saga still awaits it
  // (a state read: most of the statement's cost); those no longer awaited are taken off.
  const rows = await sql.query<StoredHeld>(
    `WITH held AS MATERIALIZED (
       SELECT h.id, s.status, coalesce(${awaitedBy('s', 'h')}, false) AS awaited
       FROM held_commands h JOIN sagas s ON s.id = h.saga_id WHERE h.participant = $1),
     purged AS (
       DELETE FROM held_commands WHERE id IN (
         SELECT h.id FROM held_commands h JOIN held USING (id) WHERE NOT held.awaited
         FOR UPDATE OF h SKIP LOCKED))
     DELETE FROM held_commands WHERE id IN (
       SELECT h.id FROM held_commands h JOIN held USING (id)
       WHERE held.awaited AND held.status <> 'stuck'
       ORDER BY h.id
       -- The room under the cap: the steps awaiting the participant, less its commands held
       -- (those still awaited) and those of stuck sagas that never reached it.
       LIMIT least($2, greatest(0, $3
         - (SELECT count(*) FROM sagas s CROSS JOIN LATERAL unnest(s.awaiting) AS p
            WHERE s.status IN ('running', 'compensating', 'stuck') AND p = $1)
         + (SELECT count(*) FROM held WHERE awaited)
         + (SELECT coalesce(sum(steps), 0)::bigint FROM (${STRANDED_STEPS}) stranded
            WHERE participant = $1)))
       FOR UPDATE OF h SKIP LOCKED)
     RETURNING id, saga_id, step_id, action, attempt, lane, topic, message_key, headers, payload, reply_timer`,
    [participant, limit, cap],
  );
  if (rows.length === 0) {
    return { released: 0, dropped: 0, outbox: { ids: [], rows: [] }, sent: [], unopenable: [] };
  }
  rows.sort((a, b) => Number(a.id) - Number(b.id));
  const sagas = await lockSagas(
    sql,
    rows.map((row) => row.saga_id),
  );
  const live = rows.filter((row) => stillAwaited(sagas.get(row.saga_id)?.state, row));
  const now = await databaseNow(sql);
  const sentAt = new Date(now).toISOString();
  // Each payload restamped on its own: one that does not open goes as it is (see unopenable).
  const payloads = live.map((row) => restamped(row, sentAt, restamp));
  const outbox: OutboxRow[] = live.map((row, index) => ({
    sagaId: row.saga_id,
    lane: row.lane,
    topic: row.topic,
    key: row.message_key,
    headers: row.headers,
    payload: payloads[index]!.payload,
  }));
  // One statement: the commands, and their reply timers in their sagas' rows, from now.
  const ids = await enqueueOutbox(
    sql,
    outbox,
    live.flatMap(({ reply_timer: timer, saga_id: sagaId, step_id, action, attempt }) =>
      timer
        ? [
            {
              id: timer.id,
              sagaId,
              dueAt: now + timer.delayMs,
              wakeup: timer.wakeup,
              awaits: {
                messageId: commandMessageId(sagaId, step_id, action, attempt),
                delayMs: timer.delayMs,
              },
            },
          ]
        : [],
    ),
  );
  const opened = (_value: unknown, index: number) => payloads[index]!.unopenable === undefined;
  const outboxRows = outbox.filter(opened);
  return {
    released: outboxRows.length,
    dropped: rows.length - live.length,
    outbox: { ids: ids.filter(opened), rows: outboxRows },
    sent: live.filter(opened).map((row) => ({
      sagaId: row.saga_id,
      stepId: row.step_id,
      action: row.action,
      attempt: row.attempt,
    })),
    unopenable: payloads.flatMap((payload) => payload.unopenable ?? []),
  };
}

/**
 * A held command's payload with its send time (`restamp`), or, when it does not open (sealed
 * with a key since dropped), as it was held, with why.
 */
function restamped(
  row: StoredHeld,
  sentAt: string,
  restamp: RestampCommand,
): { readonly payload: JsonValue; readonly unopenable?: UnopenableHeld } {
  try {
    return { payload: restamp(row.saga_id, row.payload, sentAt) };
  } catch (error) {
    // Anything else is a fault of the release itself: the transaction rolls back.
    if (!(error instanceof UnsealError)) throw error;
    const reason = describeError(error);
    return {
      payload: row.payload,
      unopenable: { sagaId: row.saga_id, stepId: row.step_id, reason },
    };
  }
}

/** True when the saga still waits for the reply to exactly this attempt. */
function stillAwaited(state: SagaState | undefined, row: StoredHeld): boolean {
  const step = state?.steps[row.step_id];
  if (!step) return false;
  const waiting = row.action === 'execute' ? 'running' : 'compensating';
  return step.status === waiting && step.attempt === row.attempt;
}

/** Per participant: commands sent and not answered yet, and commands held. */
export interface ParticipantLoad {
  readonly inFlight: number;
  readonly held: number;
}

/** What the caps are checked against, as the database counts it across instances. */
export interface CapacityCounts {
  /** Sagas running or compensating. */
  readonly sagasInFlight: number;
  /** The load of every participant that has steps in flight or commands held. */
  readonly loads: Map<string, ParticipantLoad>;
}

/**
 * Reads the counts behind the caps in one statement: the sagas in flight are scanned once for
 * both counts (the scan of their status index is most of the cost: it also visits the entries
 * of sagas that ended since the last vacuum), and each held command's saga state is read to
 * tell whether it is still awaited (with 10,000 held among 20,000 sagas in flight: 23 ms without
 * that read, 33 ms with it for small states, 63 ms for 4 kB ones, stored out of line). A held
 * command its saga no longer awaits (awaitedBy) counts nowhere: it will never be sent. A stuck saga's held command (kept for its
 * resume, see releaseHeld) counts neither in flight nor as held: nothing waits on it now. Nor
 * does a stuck saga's command still in the outbox (STRANDED_STEPS): it never reached its
 * participant. Resumed, the saga counts its steps again, their commands queued for the relay as
 * any are.
 */
export async function capacityCounts(sql: SqlRunner): Promise<CapacityCounts> {
  const rows = await sql.query<{
    total: boolean;
    participant: string | null;
    waiting: number;
    held: number;
  }>(
    prepared(`WITH live AS MATERIALIZED (
       -- A stuck saga's steps in flight still await their replies, once their commands were
       -- sent (a later row could not be): those not sent are taken off below.
       SELECT status, awaiting FROM sagas WHERE status IN ('running', 'compensating', 'stuck'))
     SELECT true AS total, NULL AS participant,
       count(*) FILTER (WHERE status <> 'stuck')::int AS waiting, 0 AS held FROM live
     UNION ALL
     SELECT false, participant, sum(waiting)::int, sum(held)::int FROM (
       SELECT participant, count(*) AS waiting, 0 AS held
       FROM live CROSS JOIN LATERAL unnest(awaiting) AS participant GROUP BY participant
       UNION ALL
       SELECT h.participant, -count(*) FILTER (WHERE s.status = 'stuck'),
         count(*) FILTER (WHERE s.status <> 'stuck')
       FROM held_commands h JOIN sagas s ON s.id = h.saga_id
       WHERE ${awaitedBy('s', 'h')} GROUP BY h.participant
       UNION ALL
       SELECT participant, -sum(steps), 0 FROM (${STRANDED_STEPS}) stranded GROUP BY participant
     ) counts GROUP BY participant`),
  );
  let sagasInFlight = 0;
  const loads = new Map<string, ParticipantLoad>();
  for (const row of rows) {
    if (row.total) sagasInFlight = Number(row.waiting);
    else if (row.participant !== null) {
      const held = Number(row.held);
      loads.set(row.participant, { inFlight: Math.max(0, Number(row.waiting) - held), held });
    }
  }
  return { sagasInFlight, loads };
}
