import { redactPaths, type JsonObject, type JsonValue } from '#contracts';
import type { SagaRegistry, SagaState } from '#saga-core';
import { isSealed, UnsealError, type FieldCipher } from './field-cipher.js';

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
    const latest = this.registry.latest(sagaType)?.version ?? 0;
    const paths = new Set<string>();
    for (let version = 1; version <= latest; version++) {
      for (const path of this.paths(sagaType, version)) paths.add(path);
    }
    return [...paths];
  }

  /**
   * A start request's text with the sensitive fields of its input redacted, for a dead letter;
   * undefined when there is nothing to redact (or it is not JSON naming a known saga type).
   */
  redactStart(text: string): string | undefined {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof request !== 'object' || request === null) return undefined;
    const sagaType = (request as { sagaType?: unknown }).sagaType;
    if (typeof sagaType !== 'string') return undefined;
    const paths = this.pathsOfType(sagaType).map((path) => `input.${path}`);
    if (paths.length === 0) return undefined;
    return JSON.stringify(redactPaths(request as JsonValue, paths));
  }

  /** The state as it is stored: sensitive fields of input and context sealed. */
  sealState(state: SagaState): SagaState {
    const paths = this.paths(state.sagaType, state.sagaVersion);
    if (paths.length === 0) return state;
    return {
      ...state,
      input: this.cipher.sealPaths(state.input, paths, state.sagaId),
      context: this.cipher.sealPaths(state.context, paths, state.sagaId),
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
    };
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

function isSealedPayload(payload: unknown): payload is SealedPayload {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    Object.keys(payload).length === 1 &&
    isSealed((payload as { sealed?: unknown }).sealed)
  );
}
