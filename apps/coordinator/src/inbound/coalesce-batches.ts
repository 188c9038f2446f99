import type { BatchHandler, BatchOutcome, DeadLetter, IncomingMessage } from '#saga-core';

interface Waiting {
  readonly messages: readonly IncomingMessage[];
  resolve(outcome: BatchOutcome): void;
  reject(error: unknown): void;
}

/**
 * Merges the batches that several partitions hand in at about the same time into one call of
 * `handle` (one database transaction, one commit to wait for), with at most `maxInFlight`
 * calls under way: batches that arrive meanwhile wait and go together in the next call. Each
 * caller gets the dead letters of its own messages; when a merged call fails, each of its
 * callers fails and retries its own batch. Callers must not hand in two batches that touch the
 * same saga at once (one partition hands in its next batch only after the last one is done).
 */
export function coalesceBatches(handle: BatchHandler, maxInFlight: number): BatchHandler {
  let waiting: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  const run = (group: Waiting[]) => {
    inFlight++;
    handle(group.flatMap((caller) => caller.messages))
      .then(
        (outcome) => split(group, outcome),
        (error: unknown) => group.forEach((caller) => caller.reject(error)),
      )
      .finally(() => {
        inFlight--;
        pump();
      });
  };

  const pump = () => {
    if (inFlight >= maxInFlight || waiting.length === 0) return;
    const group = waiting;
    waiting = [];
    run(group);
  };

  return (messages) =>
    new Promise<BatchOutcome>((resolve, reject) => {
      waiting.push({ messages, resolve, reject });
      // Batches handed in during this turn of the event loop go together.
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        pump();
      });
    });
}

/** Gives each caller the dead letters of its messages (an off-contract outcome to all, as is). */
function split(group: readonly Waiting[], outcome: BatchOutcome): void {
  if (group.length === 1 || !Array.isArray(outcome?.deadLetters)) {
    for (const caller of group) caller.resolve(outcome);
    return;
  }
  const owners = new Map<IncomingMessage, Waiting>();
  for (const caller of group) for (const message of caller.messages) owners.set(message, caller);
  const letters = new Map<Waiting, DeadLetter[]>(group.map((caller) => [caller, []]));
  for (const deadLetter of outcome.deadLetters) {
    // A dead letter naming no message of the batch goes to the first caller, whose consumer
    // refuses it loudly (see matchDeadLetters).
    letters.get(owners.get(deadLetter.message) ?? group[0]!)!.push(deadLetter);
  }
  for (const caller of group) caller.resolve({ deadLetters: letters.get(caller)! });
}
