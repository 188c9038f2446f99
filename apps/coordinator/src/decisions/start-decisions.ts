import { randomUUID } from 'node:crypto';
import type { SagaRef, SagaState, TransitionResult } from '#saga-core';
import { isDatabaseUnavailable } from '#postgres';
import {
  IdempotencyConflictError,
  InvalidSagaInputError,
  UnknownSagaTypeError,
  UnknownSagaVersionError,
} from '../application/saga-errors.js';
import type { StartSagaAnswer, StartSagaRequest } from '../application/saga-operations.js';
import { sagaTracing } from '../observability/saga-tracing.js';
import {
  awaitingParticipants,
  keyOf,
  type KeyedSaga,
  type NewSaga,
} from '../persistence/saga-rows.js';
import type { SagaAdmission } from '../resilience/saga-admission.js';
import type { SagaTransaction } from '../saga-store/saga-store.js';
import type { DecisionRunner } from './decision-runner.js';
import type { DecisionSession } from './decision-session.js';
import { GroupedStarts, type GroupedStartsOptions, type TraceParent } from './grouped-starts.js';
import { inputsEqual } from './inputs-equal.js';

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
 * Starts that come one at a time (HTTP) share transactions: two run at once, each with up to
 * 100 starts and 4 MiB of input; the starts that arrive meanwhile wait for a slot. A group
 * that fails for a reason other than an unavailable database is tried again one start at a
 * time.
 */
const START_GROUPS: GroupedStartsOptions<CheckedStart> = {
  concurrency: 2,
  maxGroup: 100,
  maxGroupWeight: 4 * 1024 * 1024,
  weigh: (start) => start.bytes,
  isolate: (error) => !isDatabaseUnavailable(error),
};

/**
 * The start path: each request is checked against its definition, then started once per type
 * and idempotency key (the unique index decides between instances); a key already taken
 * answers with its saga, or a conflict when the input differs.
 */
export class StartDecisions {
  private readonly grouped = new GroupedStarts<CheckedStart>(
    (starts, traceParents) => this.startChecked(starts, traceParents),
    START_GROUPS,
  );

  constructor(
    private readonly runner: DecisionRunner,
    private readonly admission: SagaAdmission,
    /** The largest input a saga may start with, as serialised JSON in bytes. */
    private readonly maxContextBytes: number,
  ) {}

  /**
   * Starts a saga, or answers with the one its idempotency key already started; refused with
   * a SagaCapacityError while the cap on sagas in flight is reached. A request its definition
   * refuses is answered at once; the others share their transaction with the starts that
   * arrive with them (see GroupedStarts), and each answers once its start is durable.
   */
  async start(request: StartSagaRequest, traceParent?: TraceParent): Promise<StartSagaAnswer> {
    const checked = this.checkStart(request);
    if (checked instanceof Error) throw checked;
    // At the cap, a retry of a start already made still gets its saga, not a 429.
    if (this.admission.isFull) {
      const existing = await this.runner.parts.store.transaction((tx) =>
        this.findByKeys(tx, [request]),
      );
      if (existing.size === 0) this.admission.assertRoom();
    }
    const answer = await this.grouped.submit(checked, traceParent);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  /**
   * Starts several sagas in one transaction; a request that is refused gets its error in its
   * place. `traceParents[i]` (headers holding a W3C `traceparent`) makes saga i's trace a child
   * of the requester's.
   */
  startMany(
    requests: readonly StartSagaRequest[],
    traceParents: readonly TraceParent[] = [],
  ): Promise<(StartSagaAnswer | Error)[]> {
    return this.startChecked(
      requests.map((request) => this.checkStart(request)),
      traceParents,
    );
  }

  /** Starts the checked requests in one transaction; a refusal stays in its place. */
  private async startChecked(
    checked: readonly (CheckedStart | Error)[],
    traceParents: readonly TraceParent[],
  ): Promise<(StartSagaAnswer | Error)[]> {
    const answers = await this.runner.decide((tx, _now, session) =>
      this.startAll(tx, session, checked, traceParents),
    );
    this.admission.noteStarted(
      answers.filter((answer) => !(answer instanceof Error) && answer.created).length,
    );
    return answers;
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
    const parsed = definition.input.safeParse(request.input);
    const input = parsed.success ? parsed.data : request.input;
    const bytes = Buffer.byteLength(JSON.stringify(input));
    const limit = this.maxContextBytes;
    if (bytes > limit) {
      return new InvalidSagaInputError([{ path: '', message: `larger than ${limit} bytes` }]);
    }
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
   * Starts the requests that passed their checks, in one pass: their keys looked up together,
   * the new sagas inserted together. A key already taken answers with its saga; a key given
   * twice in the batch starts one saga, and the second request is answered like a retry.
   */
  private async startAll(
    tx: SagaTransaction,
    session: DecisionSession,
    checked: readonly (CheckedStart | Error)[],
    traceParents: readonly TraceParent[],
  ): Promise<(StartSagaAnswer | Error)[]> {
    const answers: (StartSagaAnswer | Error)[] = checked.map((check) =>
      check instanceof Error ? check : new Error('not answered'),
    );
    const pending = checked.flatMap((check, index) =>
      check instanceof Error ? [] : [{ request: check.request, index, key: keyOf(check.request) }],
    );
    const existing = await this.findByKeys(
      tx,
      pending.map((item) => item.request),
    );
    const first = new Map<string, number>();
    const fresh: { index: number; started: StartedSaga }[] = [];
    const checkOf = (index: number) => checked[index] as CheckedStart;
    for (const { request, index, key } of pending) {
      const found = existing.get(key);
      const check = checkOf(index);
      if (found) answers[index] = this.answerFor(found, check);
      else if (first.has(key))
        continue; // answered once the first one is, refused or not
      else if (check.refusal !== undefined) answers[index] = check.refusal;
      else {
        first.set(key, index);
        const started = this.startOne(
          session,
          request,
          check.ref,
          check.input,
          traceParents[index],
        );
        if (started instanceof Error) answers[index] = started;
        else fresh.push({ index, started });
      }
    }
    const inserted = await tx.insertSagas(fresh.map(({ started }) => started.row));
    const lost: number[] = [];
    for (const { index, started } of fresh) {
      const { state, effects, row } = started;
      if (!inserted.has(state.sagaId)) {
        lost.push(index); // another transaction took the key since we looked
        continue;
      }
      session.record(state, effects, row.idempotencyKey, row.traceContext);
      answers[index] = { sagaId: state.sagaId, created: true, status: state.status };
    }
    const winners = await this.findByKeys(
      tx,
      lost.map((index) => checkOf(index).request),
    );
    for (const { index, key } of pending) {
      const firstIndex = first.get(key);
      if (existing.has(key) || firstIndex === undefined) continue; // answered above
      if (lost.includes(firstIndex)) {
        // Another transaction's start took the key: each copy is answered against its saga,
        // never with the first copy's answer (a copy may carry the winner's very input).
        answers[index] = this.answerFor(winners.get(key)!, checkOf(index));
      } else if (firstIndex !== index) {
        const original = answers[firstIndex]!;
        const { ref, input } = checkOf(firstIndex);
        answers[index] =
          original instanceof Error
            ? original
            : this.answerFor({ ...original, sagaVersion: ref.version, input }, checkOf(index));
      }
    }
    return answers;
  }

  /**
   * The answer to a start whose key already started `saga`: that saga, unless the start names
   * another version, or another input (as the saga's own version reads it: the version routed
   * now may read it otherwise).
   */
  private answerFor(
    saga: Pick<KeyedSaga, 'sagaId' | 'sagaVersion' | 'status'> & { readonly input: unknown },
    check: CheckedStart,
  ): StartSagaAnswer | Error {
    const { request } = check;
    if (request.sagaVersion !== undefined && request.sagaVersion !== saga.sagaVersion) {
      return new IdempotencyConflictError(
        `idempotency key "${request.idempotencyKey}" already started saga ${saga.sagaId} of version ${saga.sagaVersion}`,
      );
    }
    const input =
      saga.sagaVersion === check.ref.version
        ? check.input
        : this.inputUnder(request, saga.sagaVersion);
    return answerExisting(saga, request.idempotencyKey, input);
  }

  /** The request's input as `version` of its saga type reads it (as sent, if it refuses it). */
  private inputUnder(request: StartSagaRequest, version: number): unknown {
    const definition = this.runner.parts.registry.get(request.sagaType, version);
    const parsed = definition?.input.safeParse(request.input);
    return parsed?.success ? parsed.data : request.input;
  }

  /** The engine's start of one saga, its row sealed; or why it cannot start. */
  private startOne(
    session: DecisionSession,
    request: StartSagaRequest,
    ref: SagaRef,
    input: unknown,
    traceParent: TraceParent,
  ): StartedSaga | Error {
    const { engine, sensitive } = this.runner.parts;
    const started = engine.start(ref, {
      sagaId: randomUUID(),
      input,
      at: session.now,
      random: Math.random(),
    });
    if (started.state === null)
      return new InvalidSagaInputError([{ path: '', message: started.rejection.message }]);
    return {
      state: started.state,
      effects: started.effects,
      row: {
        state: sensitive.sealState(started.state),
        idempotencyKey: request.idempotencyKey,
        traceContext: sagaTracing.started(started.state, traceParent),
        awaiting: awaitingParticipants(started.state, session.participantOf),
      },
    };
  }

  /** The sagas the requests' keys already started, by keyOf, with their inputs opened. */
  private async findByKeys(
    tx: SagaTransaction,
    requests: readonly StartSagaRequest[],
  ): Promise<Map<string, KeyedSaga>> {
    const found = await tx.findByIdempotencyKeys(requests);
    const { sensitive } = this.runner.parts;
    for (const [key, saga] of found)
      found.set(key, { ...saga, input: sensitive.openInput(saga, saga.input) });
    return found;
  }
}

/** A saga the engine started, with the row to insert for it. */
interface StartedSaga {
  readonly state: SagaState;
  readonly effects: TransitionResult['effects'];
  readonly row: NewSaga;
}

/** The answer for a key that already started a saga: the same saga, unless the input differs. */
function answerExisting(
  existing: { sagaId: string; status: SagaState['status']; input: unknown },
  idempotencyKey: string,
  input: unknown,
): StartSagaAnswer | Error {
  if (!inputsEqual(existing.input, input)) {
    return new IdempotencyConflictError(
      `idempotency key "${idempotencyKey}" already started saga ${existing.sagaId} with another input`,
    );
  }
  return { sagaId: existing.sagaId, created: false, status: existing.status };
}
