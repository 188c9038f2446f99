import { randomUUID } from 'node:crypto';
import type { SagaRef, SagaState } from '#saga-core';
import { isDatabaseUnavailable } from '#postgres';
import {
  IdempotencyConflictError,
  InvalidSagaInputError,
  SagaCapacityError,
  SagaVersionNotLoadedError,
  UnknownSagaTypeError,
  UnknownSagaVersionError,
} from '../application/saga-errors.js';
import type { StartSagaAnswer, StartSagaRequest } from '../application/saga-operations.js';
import { sagaTracing } from '../observability/saga-tracing.js';
import { keyOf, type KeyedSaga } from '../persistence/saga-rows.js';
import type { RepliesFirst } from '../resilience/replies-first.js';
import type { SagaAdmission } from '../resilience/saga-admission.js';
import type { SagaTransaction } from '../saga-store/saga-store.js';
import type { DecisionRunner } from './decision-runner.js';
import type { DecisionSession } from './decision-session.js';
import { GroupedStarts, type GroupedStartsOptions, type TraceParent } from './grouped-starts.js';
import { inputsEqual } from './inputs-equal.js';
import { UnsealError } from '../security/field-cipher.js';

/** A saga a start's key already started, its input opened (or the UnsealError it gave). */
type FoundSaga = Omit<KeyedSaga, 'input'> & { readonly input: unknown };

/** A start request that passed its checks: its input as the definition normalised it. */
interface CheckedStart {
  readonly request: StartSagaRequest;
  /** The definition it starts: the version it names, or the one its route gives it. */
  readonly ref: Required<SagaRef>;
  readonly input: unknown;
  /** The size of the input, as serialised JSON in bytes. */
  readonly bytes: number;
  /**
   * Why the version its route chose refuses its input (the input is then the request's own):
   * answered only if its key started no saga yet. A retry of a start made under another route
   * answers with its saga, whatever the version the route gives it now.
   */
  readonly refusal?: Error;
}

/**
 * Starts that come one at a time (HTTP) share writes: two run at once, each with up to 100
 * starts and 4 MiB of input; the starts that arrive meanwhile wait for a slot. A group
 * that fails for a reason other than an unavailable database is tried again one start at a
 * time.
 */
const START_GROUPS = {
  concurrency: 2,
  maxGroup: 100,
  maxGroupWeight: 4 * 1024 * 1024,
  weigh: (start: CheckedStart) => start.bytes,
  isolate: (error: unknown) => !isDatabaseUnavailable(error),
  late: (waitedMs: number) => SagaCapacityError.repliesBehind(waitedMs),
} satisfies Omit<GroupedStartsOptions<CheckedStart>, 'maxHeldWaitMs'>;

/** The most input, in bytes, the starts waiting for a write may hold in memory together. */
export const MAX_WAITING_START_BYTES = 64 * 1024 * 1024;

/** A refusal for a type or version this instance does not know (yet). */
function isUnknownDefinition(check: CheckedStart | Error): boolean {
  return check instanceof UnknownSagaTypeError;
}

function throwIfError<T>(answer: T | Error): T {
  if (answer instanceof Error) throw answer;
  return answer;
}

/** The start path's own settings, besides the parts every decision shares. */
export interface StartSettings {
  /** The cap on sagas in flight. */
  readonly admission: SagaAdmission;
  /** Whether the replies this instance has yet to handle are many: then starts wait. */
  readonly repliesFirst: RepliesFirst;
  /** The longest a start over HTTP waits for them (0: it never waits). */
  readonly waitForRepliesMs: number;
  /** The most input, in bytes, the starts waiting for a write may hold together. */
  readonly maxWaitingBytes: number;
  /** The largest input a saga may start with, as serialised JSON in bytes. */
  readonly maxContextBytes: number;
}

/**
 * The start path: each request is checked against its definition, then started once per type
 * and idempotency key (the unique index decides between instances); a key already taken
 * answers with its saga, or a conflict when the input differs.
 */
export class StartDecisions {
  private readonly grouped: GroupedStarts<CheckedStart>;

  constructor(
    private readonly runner: DecisionRunner,
    private readonly settings: StartSettings,
  ) {
    const { repliesFirst, waitForRepliesMs } = settings;
    this.grouped = new GroupedStarts<CheckedStart>(
      (starts, traceParents) => this.startChecked(starts, traceParents),
      { ...START_GROUPS, maxHeldWaitMs: waitForRepliesMs },
    );
    if (waitForRepliesMs === 0) return;
    this.grouped.hold(repliesFirst.isBehind);
    repliesFirst.onChange((behind) => this.grouped.hold(behind));
  }

  /**
   * Starts a saga, or answers with the one its idempotency key already started. While the
   * replies this instance has yet to handle are many (RepliesFirst), no start is written: they
   * wait, as starts on `saga.start` do, so that the sagas in flight finish first; for
   * `waitForRepliesMs` at most, then they are refused with a SagaCapacityError (nothing was
   * written: a retry is safe). Refused at once, unless its key already started a saga, while
   * the sagas in flight and the starts not yet answered are at their cap, or those waiting for
   * a write hold `maxWaitingBytes` of input. A request its definition refuses is answered at
   * once; the others share their write with the starts that arrive with them (see
   * GroupedStarts), and each answers once its start is durable.
   */
  async start(request: StartSagaRequest, traceParent?: TraceParent): Promise<StartSagaAnswer> {
    const checked = (await this.checkStarts([request]))[0]!;
    if (checked instanceof Error) throw checked;
    const pending = this.grouped.pendingCount;
    const { admission, maxWaitingBytes } = this.settings;
    const full = this.grouped.waitingWeight + checked.bytes > maxWaitingBytes;
    // At the cap, a retry of a start already made still gets its saga, not a 429.
    if (full || admission.isFullWith(pending)) {
      const answer = await this.withVersionsRead(() => this.answerIfTaken(checked));
      if (answer) return throwIfError(answer);
      if (full) throw SagaCapacityError.startsWaiting(maxWaitingBytes);
      admission.assertRoom(pending);
    }
    return throwIfError(await this.grouped.submit(checked, traceParent));
  }

  /** The starts over HTTP not answered yet: waiting (for the replies, or a slot), or in a write. */
  get pending(): number {
    return this.grouped.pendingCount;
  }

  /**
   * Starts several sagas in one write (see startChecked); a request that is refused gets its
   * error in its place. `traceParents[i]` (headers holding a W3C `traceparent`) makes saga i's
   * trace a child of the requester's.
   */
  async startMany(
    requests: readonly StartSagaRequest[],
    traceParents: readonly TraceParent[] = [],
  ): Promise<(StartSagaAnswer | Error)[]> {
    return this.startChecked(await this.checkStarts(requests), traceParents);
  }

  /**
   * Checks each request (checkStart); when one names a type or version unknown here, the stored
   * definitions are read again first (a version registered on another instance within
   * DEFINITIONS_POLL_MS is not a mistake of the caller's), then those are checked again.
   */
  private async checkStarts(
    requests: readonly StartSagaRequest[],
  ): Promise<(CheckedStart | Error)[]> {
    const checked = requests.map((request) => this.checkStart(request));
    const { versions } = this.runner.parts;
    if (versions?.catchUp === undefined || !checked.some(isUnknownDefinition)) return checked;
    await versions.catchUp();
    return checked.map((check, index) =>
      isUnknownDefinition(check) ? this.checkStart(requests[index]!) : check,
    );
  }

  /**
   * Starts the checked requests together (startOnce); those whose key's saga is of a version
   * unknown here are answered again once the stored definitions are read again.
   */
  private async startChecked(
    checked: readonly (CheckedStart | Error)[],
    traceParents: readonly TraceParent[],
  ): Promise<(StartSagaAnswer | Error)[]> {
    const answers = await this.startOnce(checked, traceParents);
    const again = answers.flatMap((answer, index) =>
      answer instanceof SagaVersionNotLoadedError ? [index] : [],
    );
    const { versions } = this.runner.parts;
    if (again.length === 0 || versions?.catchUp === undefined) return answers;
    await versions.catchUp();
    const retried = await this.startOnce(
      again.map((index) => checked[index]!),
      again.map((index) => traceParents[index]),
    );
    again.forEach((index, n) => (answers[index] = retried[n]!));
    return answers;
  }

  /**
   * The answer of an earlier start of the request's key, or undefined when its key started no
   * saga yet (a lookup of its own).
   */
  private async answerIfTaken(check: CheckedStart): Promise<StartSagaAnswer | Error | undefined> {
    const existing = await this.runner.parts.store.transaction((tx) =>
      this.findByKeys(tx, [check.request]),
    );
    const found = existing.get(keyOf(check.request));
    return found && this.answerFor(found, check);
  }

  /**
   * Runs `answer`, and once more after reading the stored definitions again if it answered
   * with a saga of a version unknown here (registered on another instance a moment ago).
   */
  private async withVersionsRead<T>(answer: () => Promise<T>): Promise<T> {
    const first = await answer();
    const { versions } = this.runner.parts;
    if (!(first instanceof SagaVersionNotLoadedError) || versions?.catchUp === undefined)
      return first;
    await versions.catchUp();
    return answer();
  }

  /**
   * Starts the checked requests together; a refusal stays in its place. As a rule in one
   * statement, with no transaction (see startUnread); else in a transaction that looks their
   * keys up first.
   */
  private async startOnce(
    checked: readonly (CheckedStart | Error)[],
    traceParents: readonly TraceParent[],
  ): Promise<(StartSagaAnswer | Error)[]> {
    if (checked.every((check) => check instanceof Error)) return [...checked];
    // The sagas this batch's attempts start: a key found with one of them is the batch's own.
    const ours = new Set<string>();
    const answers =
      (await this.startUnread(checked, traceParents, ours)) ??
      (await this.runner.decide(async (tx, _now, session) => {
        const requests = checked.flatMap((check) =>
          check instanceof Error ? [] : [check.request],
        );
        const existing = await this.findByKeys(tx, requests);
        return this.startAll(session, checked, traceParents, existing, ours);
      }));
    this.settings.admission.noteStarted(
      answers.filter((answer) => !(answer instanceof Error) && answer.created).length,
    );
    return answers;
  }

  /**
   * Starts the requests as if none of their keys had started a saga yet (the common case): one
   * statement inserts the sagas with the rest of the decision. A key that is taken fails it
   * whole, as a lost race, and so does a lost connection (the statement may have committed
   * before its answer was lost: the sagas it started are noted in `ours`); undefined then, and
   * the caller looks the keys up. Undefined at once when a request's answer depends on whether
   * its key is taken (a refusal), or before the database's clock was ever read.
   */
  private async startUnread(
    checked: readonly (CheckedStart | Error)[],
    traceParents: readonly TraceParent[],
    ours: Set<string>,
  ): Promise<(StartSagaAnswer | Error)[] | undefined> {
    if (checked.some((check) => !(check instanceof Error) && check.refusal !== undefined))
      return undefined;
    const decided = await this.runner.decideUnread((_now, session) =>
      this.startAll(session, checked, traceParents, new Map(), ours),
    );
    return typeof decided === 'string' ? undefined : decided.value;
  }

  /** Resolves the definition and validates the input; the checked start, or the refusal. */
  private checkStart(request: StartSagaRequest): CheckedStart | Error {
    const definition = this.runner.parts.registry.resolve(this.refOf(request));
    if (!definition) {
      if (request.sagaVersion === undefined || !this.runner.parts.registry.latest(request.sagaType))
        return new UnknownSagaTypeError(`unknown saga type "${request.sagaType}"`);
      return new UnknownSagaVersionError(
        `saga type "${request.sagaType}" has no version ${request.sagaVersion}`,
      );
    }
    const ref = { name: definition.name, version: definition.version };
    const limit = this.settings.maxContextBytes;
    const tooLarge = () =>
      new InvalidSagaInputError([{ path: '', message: `larger than ${limit} bytes` }]);
    // Measured before it is validated too: a schema's checks may cost more than the input's size.
    if (Buffer.byteLength(JSON.stringify(request.input) ?? '') > limit) return tooLarge();
    const parsed = definition.input.safeParse(request.input);
    const input = parsed.success ? parsed.data : request.input;
    const bytes = Buffer.byteLength(JSON.stringify(input));
    if (bytes > limit) return tooLarge();
    // A retired version still answers the retries of the starts it took.
    if (this.runner.parts.versions?.isRetired(definition.name, definition.version)) {
      const retired = `saga type "${definition.name}" version ${definition.version} is retired`;
      return { request, ref, input, bytes, refusal: new UnknownSagaVersionError(retired) };
    }
    if (parsed.success) return { request, ref, input, bytes };
    const refusal = new InvalidSagaInputError(
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
    return request.sagaVersion === undefined ? { request, ref, input, bytes, refusal } : refusal;
  }

  /** The version a request names, or else the one its type's route gives its key (see VersionRoute). */
  private refOf(request: StartSagaRequest): SagaRef {
    const version =
      request.sagaVersion ??
      this.runner.parts.versions?.versionFor(request.sagaType, request.idempotencyKey);
    return { name: request.sagaType, ...(version === undefined ? {} : { version }) };
  }

  /**
   * Starts the requests that passed their checks, in one pass, given the sagas their keys
   * already started (`existing`, by keyOf): a key already taken answers with its saga; a key
   * given twice in the batch starts one saga, and each later copy is answered like a retry of
   * the first. The sagas it starts are added to `ours`, and a key found with one of them (an
   * earlier attempt of this batch committed) answers that its saga was created. The session's
   * flush inserts the new sagas: a key another start took meanwhile fails it as a lost race,
   * and the whole pass runs again.
   */
  private startAll(
    session: DecisionSession,
    checked: readonly (CheckedStart | Error)[],
    traceParents: readonly TraceParent[],
    existing: ReadonlyMap<string, FoundSaga>,
    ours: Set<string>,
  ): (StartSagaAnswer | Error)[] {
    const answers: (StartSagaAnswer | Error)[] = [];
    // The request that starts each key's saga (or that first found its own), by keyOf.
    const first = new Map<string, CheckedStart & { readonly index: number }>();
    checked.forEach((check, index) => {
      if (check instanceof Error) {
        answers.push(check);
        return;
      }
      const key = keyOf(check.request);
      const found = existing.get(key);
      const firstCopy = first.get(key);
      if (found && !firstCopy && ours.has(found.sagaId)) {
        first.set(key, { ...check, index });
        answers.push({ sagaId: found.sagaId, created: true, status: found.status });
      } else if (found) answers.push(this.answerFor(found, check));
      else if (firstCopy) {
        const original = answers[firstCopy.index]!;
        answers.push(
          original instanceof Error
            ? original
            : this.answerFor(
                { ...original, sagaVersion: firstCopy.ref.version, input: firstCopy.input },
                check,
              ),
        );
      } else if (check.refusal !== undefined) answers.push(check.refusal);
      else {
        first.set(key, { ...check, index });
        const answer = this.startOne(session, check, traceParents[index]);
        if (!(answer instanceof Error)) ours.add(answer.sagaId);
        answers.push(answer);
      }
    });
    return answers;
  }

  /**
   * The answer to a start whose key already started `saga`: that saga, unless the start names
   * another version, or another input (as the saga's own version reads it: the version routed
   * now may read it otherwise). A saga of a version unknown here is answered only if the input
   * is the same as sent; else whether it differs is not known here (SagaVersionNotLoadedError).
   */
  private answerFor(
    saga: Pick<FoundSaga, 'sagaId' | 'sagaVersion' | 'status' | 'input'>,
    check: CheckedStart,
  ): StartSagaAnswer | Error {
    const { request } = check;
    if (request.sagaVersion !== undefined && request.sagaVersion !== saga.sagaVersion) {
      return new IdempotencyConflictError(
        `idempotency key "${request.idempotencyKey}" already started saga ${saga.sagaId} of version ${saga.sagaVersion}`,
      );
    }
    if (saga.sagaVersion === check.ref.version) {
      return answerExisting(saga, request.idempotencyKey, check.input);
    }
    const definition = this.runner.parts.registry.get(request.sagaType, saga.sagaVersion);
    if (definition === undefined && !inputsEqual(saga.input, request.input)) {
      return new SagaVersionNotLoadedError(
        `idempotency key "${request.idempotencyKey}" already started saga ${saga.sagaId} of version ${saga.sagaVersion}, which this instance does not know yet to compare its input: try again`,
      );
    }
    // The request's input as the saga's version reads it (as sent, if it refuses it).
    const parsed = definition?.input.safeParse(request.input);
    return answerExisting(
      saga,
      request.idempotencyKey,
      parsed?.success ? parsed.data : request.input,
    );
  }

  /** Starts one saga in the session (its flush inserts it); or why it cannot start. */
  private startOne(
    session: DecisionSession,
    { request, ref, input }: CheckedStart,
    traceParent: TraceParent,
  ): StartSagaAnswer | Error {
    const started = this.runner.parts.engine.start(ref, {
      sagaId: randomUUID(),
      input,
      at: session.now,
      random: Math.random(),
    });
    if (started.state === null)
      return new InvalidSagaInputError([{ path: '', message: started.rejection.message }]);
    const { state, effects } = started;
    // Checked when the request came, and again now: a start that waited for its write (behind
    // the replies) may find its version retired meanwhile, by this instance.
    if (this.runner.parts.versions?.isRetired(state.sagaType, state.sagaVersion)) {
      return new UnknownSagaVersionError(
        `saga type "${state.sagaType}" version ${state.sagaVersion} is retired`,
      );
    }
    const traceContext = sagaTracing.started(state, session.spans, traceParent);
    const { status } = session.record(state, effects, request.idempotencyKey, traceContext);
    return { sagaId: state.sagaId, created: true, status };
  }

  /**
   * The sagas the requests' keys already started, by keyOf, with their inputs opened; an input
   * that does not open here (sealed under a key not in the keyring) is left as the UnsealError.
   */
  private async findByKeys(
    tx: SagaTransaction,
    requests: readonly StartSagaRequest[],
  ): Promise<Map<string, FoundSaga>> {
    const found = await tx.findByIdempotencyKeys(requests);
    const { sensitive } = this.runner.parts;
    return new Map([...found].map(([key, saga]) => [key, { ...saga, input: opened(saga) }]));

    function opened(saga: KeyedSaga): unknown {
      try {
        return sensitive.openInput(saga, saga.input);
      } catch (error) {
        if (error instanceof UnsealError) return error;
        throw error;
      }
    }
  }
}

/**
 * The answer for a key that already started a saga: the same saga, unless the input differs, or
 * cannot be compared (its stored input does not open here: a conflict to retry once it does).
 */
function answerExisting(
  existing: { sagaId: string; status: SagaState['status']; input: unknown },
  idempotencyKey: string,
  input: unknown,
): StartSagaAnswer | Error {
  if (existing.input instanceof UnsealError) {
    return new IdempotencyConflictError(
      `idempotency key "${idempotencyKey}" already started saga ${existing.sagaId}, whose input does not open here to compare (${existing.input.message}): try again once the keyring holds its key`,
    );
  }
  if (!inputsEqual(existing.input, input)) {
    return new IdempotencyConflictError(
      `idempotency key "${idempotencyKey}" already started saga ${existing.sagaId} with another input`,
    );
  }
  return { sagaId: existing.sagaId, created: false, status: existing.status };
}
