import { REDACTED, redactPaths, type JsonObject, type JsonValue } from '#contracts';
import type { SagaRegistry, SagaState, StepState } from '#saga-core';
import { isSealed, UnsealError, type FieldCipher } from './field-cipher.js';

/**
 * What a start request's dead letter keeps of its value: the value `whole` (nothing in it can
 * be sensitive), a `redacted` copy (its sensitive input fields `[REDACTED]`; not replayable), or
 * nothing: `dropped`, as it could not be checked for sensitive fields (not a JSON object).
 */
export type StartDeadLetterValue =
  | { readonly keep: 'whole' }
  | { readonly keep: 'redacted'; readonly value: string }
  | { readonly keep: 'dropped' };

const WHOLE: StartDeadLetterValue = { keep: 'whole' };
const DROPPED: StartDeadLetterValue = { keep: 'dropped' };

/** An outbox payload sealed whole (a command built from sensitive fields). */
interface SealedPayload {
  readonly sealed: string;
}

/**
 * Applies the `sensitive` paths of each saga definition: seals them in a saga's input and
 * context before they are written, opens them after they are read, seals whole the commands
 * of sagas that have any (they may carry a sensitive value to its participant), and redacts
 * them in saga events, start dead letters and for callers who may not see them. The saga id is the associated data of every seal.
 */
export class SensitiveData {
  constructor(
    private readonly registry: SagaRegistry,
    private readonly cipher: FieldCipher,
  ) {}

  /** The sensitive paths of a saga type and version (none for an unknown one). */
  paths(sagaType: string, sagaVersion: number): readonly string[] {
    return this.registry.get(sagaType, sagaVersion)?.sensitive ?? [];
  }

  /** The sensitive paths of every registered version of a saga type. */
  pathsOfType(sagaType: string): readonly string[] {
    // The versions registered, not every number up to the latest: versions may be sparse and
    // large (a date, 20260101), and this runs for each dead letter.
    const paths = new Set<string>();
    for (const definition of this.registry.versions(sagaType)) {
      for (const path of definition.sensitive) paths.add(path);
    }
    return [...paths];
  }

  /**
   * What the dead letter of a start request keeps of its value (see StartDeadLetterValue). It
   * fails closed: a request that names no registered saga type and version is redacted with the
   * sensitive paths of every registered type, and one that is no JSON object is dropped whole
   * when any registered type has sensitive fields.
   */
  startDeadLetterValue(text: string): StartDeadLetterValue {
    const anySensitive = this.anySensitive();
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return anySensitive ? DROPPED : WHOLE;
    }
    if (!isObject(request)) return anySensitive ? DROPPED : WHOLE;
    const known = this.pathsOfRequest(request);
    if (known !== undefined) {
      // A saga type with sensitive fields always leaves a redacted copy (not replayable).
      return known.length === 0 ? WHOLE : redactedCopy(request, known);
    }
    if (!anySensitive) return WHOLE;
    const redacted = redactedCopy(request, this.everySensitivePath());
    // Byte for byte what a redacted copy would be: nothing to hide, and it stays replayable
    // (a duplicate key, say, would make them differ, and the copy be kept instead).
    return redacted.keep === 'redacted' && redacted.value === text ? WHOLE : redacted;
  }

  /**
   * A start request's text with its sensitive fields redacted, for a dead letter; undefined when
   * it can be kept whole. For the consumers' hooks, which cannot keep no value: one that
   * startDeadLetterValue drops is replaced by the bare `[REDACTED]` text (not replayable either).
   */
  redactStart(text: string): string | undefined {
    const kept = this.startDeadLetterValue(text);
    if (kept.keep === 'whole') return undefined;
    return kept.keep === 'redacted' ? kept.value : REDACTED;
  }

  /**
   * The sensitive paths of the saga type (and version, when it names one) a start request
   * names, or undefined when it names none registered.
   */
  private pathsOfRequest(request: JsonObject): readonly string[] | undefined {
    const { sagaType, sagaVersion } = request;
    if (typeof sagaType !== 'string' || this.registry.latest(sagaType) === undefined) {
      return undefined;
    }
    if (sagaVersion === undefined) return this.pathsOfType(sagaType);
    if (typeof sagaVersion !== 'number' || this.registry.get(sagaType, sagaVersion) === undefined) {
      return undefined;
    }
    // Every version's, as the sealing of its dead letters does (a superset of this version's).
    return this.pathsOfType(sagaType);
  }

  /** Whether any registered definition has sensitive fields. */
  anySensitive(): boolean {
    return this.registry.list().some((definition) => definition.sensitive.length > 0);
  }

  /** The sensitive paths of every registered definition, once each. */
  private everySensitivePath(): readonly string[] {
    return [...new Set(this.registry.list().flatMap((definition) => definition.sensitive))];
  }

  /**
   * The state as it is stored: sensitive fields of input and context sealed, and the result of
   * each step that succeeded sealed whole (a result is shaped as its participant answers, not as
   * the context: its `onSuccess` may fold any part of it into a sensitive field).
   */
  sealState(state: SagaState): SagaState {
    const paths = this.paths(state.sagaType, state.sagaVersion);
    if (paths.length === 0) return state;
    return {
      ...state,
      input: this.cipher.sealPaths(state.input, paths, state.sagaId),
      context: this.cipher.sealPaths(state.context, paths, state.sagaId),
      steps: this.withResults(state, (result) =>
        isSealed(result) ? result : this.cipher.seal(result, state.sagaId),
      ),
    };
  }

  /** The state as the engine needs it: sensitive fields opened. */
  openState(state: SagaState): SagaState {
    const paths = this.paths(state.sagaType, state.sagaVersion);
    if (paths.length === 0) return state;
    return {
      ...state,
      input: this.cipher.openPaths(state.input, paths, state.sagaId),
      context: this.cipher.openPaths(state.context, paths, state.sagaId),
      steps: this.withResults(state, (result) =>
        isSealed(result) ? this.cipher.open(result, state.sagaId) : result,
      ),
    };
  }

  /** The state's steps, the result of each that succeeded mapped by `map`. */
  private withResults(state: SagaState, map: (result: JsonValue) => JsonValue): SagaState['steps'] {
    const steps: Record<string, StepState> = {};
    for (const [stepId, step] of Object.entries(state.steps)) {
      steps[stepId] = step.status === 'succeeded' ? { ...step, result: map(step.result) } : step;
    }
    return steps;
  }

  /** A stored input opened (for the idempotency comparison). */
  openInput(saga: { sagaId: string; sagaType: string; sagaVersion: number }, input: JsonValue) {
    return this.cipher.openPaths(input, this.paths(saga.sagaType, saga.sagaVersion), saga.sagaId);
  }

  /**
   * A stored input or context shown to a caller: opened, or with sensitive fields redacted; a
   * value that does not open here (sealed under a key no longer in the keyring) is shown
   * redacted to every caller, so that its saga can still be looked into.
   */
  view(
    saga: { sagaId: string; sagaType: string; sagaVersion: number },
    value: JsonValue,
    reveal: boolean,
  ): JsonValue {
    const paths = this.paths(saga.sagaType, saga.sagaVersion);
    if (reveal) {
      try {
        return this.cipher.openPaths(value, paths, saga.sagaId);
      } catch (error) {
        if (!(error instanceof UnsealError)) throw error;
      }
    }
    // Anything sealed outside the declared paths is hidden too.
    return redactPaths(value, paths);
  }

  /** A command payload as the outbox stores it: sealed whole when the saga has sensitive fields. */
  sealCommand(state: SagaState, payload: JsonValue): JsonValue {
    if (this.paths(state.sagaType, state.sagaVersion).length === 0) return payload;
    const sealed: SealedPayload = { sealed: this.cipher.seal(payload, state.sagaId) };
    return sealed as unknown as JsonValue;
  }

  /**
   * A saga event as published on `saga.events` (read by anyone): the sensitive fields of the
   * input it may carry (`saga.started`) redacted.
   */
  redactEvent(state: SagaState, payload: JsonValue): JsonValue {
    const paths = this.paths(state.sagaType, state.sagaVersion);
    return redactPaths(
      payload,
      paths.map((path) => `detail.input.${path}`),
    );
  }

  /** A stored command payload with a new `sentAt` (a held command released), sealed again if it was. */
  restampCommand(sagaId: string, payload: JsonValue, sentAt: string): JsonValue {
    if (!isSealedPayload(payload)) return { ...(payload as JsonObject), sentAt };
    const command = this.cipher.open(payload.sealed, sagaId) as JsonObject;
    const sealed: SealedPayload = { sealed: this.cipher.seal({ ...command, sentAt }, sagaId) };
    return sealed as unknown as JsonValue;
  }

  /** An outbox payload ready to publish: opened if it was sealed. */
  openOutboxPayload(sagaId: string, payload: unknown): unknown {
    if (!isSealedPayload(payload)) return payload;
    return this.cipher.open(payload.sealed, sagaId);
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The request as JSON text, the given paths of its input redacted; dropped when it is nested
 * too deep to copy (JSON.parse takes any depth, the walk and JSON.stringify recurse): a dead
 * letter that cannot be written would hold its partition.
 */
function redactedCopy(request: JsonObject, paths: readonly string[]): StartDeadLetterValue {
  const inputPaths = paths.map((path) => `input.${path}`);
  try {
    return { keep: 'redacted', value: JSON.stringify(redactPaths(request, inputPaths)) };
  } catch (error) {
    if (error instanceof RangeError) return DROPPED;
    throw error;
  }
}

function isSealedPayload(payload: unknown): payload is SealedPayload {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    Object.keys(payload).length === 1 &&
    isSealed((payload as { sealed?: unknown }).sealed)
  );
}
