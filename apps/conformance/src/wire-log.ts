import {
  DEAD_LETTER_HEADERS,
  decodeMessage,
  headerProblem,
  MESSAGE_TYPES,
  replyMessageSchema,
  type CommandAction,
  type ReplyMessage,
} from '#contracts';
import type { IncomingMessage } from '#saga-core';

/** Which command a reply answers: the fields a reply must echo. */
export interface Coordinates {
  readonly sagaId: string;
  readonly stepId: string;
  readonly action: CommandAction;
  readonly attempt: number;
}

/** A message seen on the kit's reply topic, valid or not. */
export interface SeenReply {
  /** The coordinates it names, read from its body even when the body breaks the contract. */
  readonly coordinates: Coordinates | undefined;
  /** The reply, when it is valid. */
  readonly reply: ReplyMessage | undefined;
  /** What breaks the contract (schema, headers, key), else undefined. */
  readonly problem: string | undefined;
}

/** A message seen on the participant's dead-letter topic. */
export interface SeenDeadLetter {
  readonly key: string | null;
  readonly value: string | null;
  /** The `dlq-reason` header, if any. */
  readonly reason: string | undefined;
}

interface Waiter {
  readonly ready: () => boolean;
  readonly resolve: () => void;
}

/**
 * Everything the participant wrote where the kit listens: replies on the kit's reply topic and
 * dead letters on the command topic's `.dlq`. Only the run's own sagas are kept (by saga id or
 * key), since both topics may hold older messages. Waits resolve on arrival, never on a timer,
 * except for the give-up bound of each wait.
 */
export class WireLog {
  private readonly replies: SeenReply[] = [];
  private readonly deadLetters: SeenDeadLetter[] = [];
  /** Why each reply about a saga of the run could not be matched to a command, by saga id. */
  private readonly unreadable = new Map<string, string[]>();
  private waiters: Waiter[] = [];

  constructor(
    private readonly replyTopic: string,
    private readonly isOwnSaga: (sagaId: string) => boolean,
  ) {}

  /** Records a batch from either topic (the consumer's handler). */
  record(messages: readonly IncomingMessage[]): void {
    for (const message of messages) {
      if (message.topic === this.replyTopic) this.recordReply(message);
      else if (message.key !== null && this.isOwnSaga(message.key)) {
        this.deadLetters.push({
          key: message.key,
          value: message.value,
          reason: message.headers[DEAD_LETTER_HEADERS.reason],
        });
      }
    }
    const waiting = this.waiters;
    this.waiters = waiting.filter((waiter) => !waiter.ready());
    for (const waiter of waiting) if (!this.waiters.includes(waiter)) waiter.resolve();
  }

  /** Replies that name `coordinates`, in arrival order. */
  repliesTo(coordinates: Coordinates): SeenReply[] {
    return this.replies.filter((seen) => sameCoordinates(seen.coordinates, coordinates));
  }

  /** Replies about `sagaId`, in arrival order. */
  repliesAbout(sagaId: string): SeenReply[] {
    return this.replies.filter((seen) => seen.coordinates?.sagaId === sagaId);
  }

  /** Why replies about `sagaId` could not be matched to a command (their coordinates unreadable). */
  unreadableAbout(sagaId: string): readonly string[] {
    return this.unreadable.get(sagaId) ?? [];
  }

  /** Dead letters keyed `key`, in arrival order. */
  deadLettersKeyed(key: string): SeenDeadLetter[] {
    return this.deadLetters.filter((letter) => letter.key === key);
  }

  /** Resolves true once `ready()` holds, or false after `timeoutMs`. */
  async until(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    if (ready()) return true;
    let timer: NodeJS.Timeout | undefined;
    let waiter: Waiter | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      waiter = { ready, resolve: () => resolve(true) };
      this.waiters.push(waiter);
    });
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([arrived, gaveUp]);
    } finally {
      clearTimeout(timer);
      this.waiters = this.waiters.filter((other) => other !== waiter);
    }
  }

  private recordReply(message: IncomingMessage): void {
    const coordinates = coordinatesIn(message.value);
    if (coordinates === undefined) {
      // Matched by its key, or the saga id in its body, so the wait for it can say what is wrong.
      const sagaId = sagaIdIn(message.value) ?? message.key;
      if (sagaId === null || !this.isOwnSaga(sagaId)) return;
      const decoded = decodeMessage(replyMessageSchema, message.value ?? '');
      const why = decoded.ok ? 'it names no step, action or attempt' : decoded.reason;
      this.unreadable.set(sagaId, [
        ...this.unreadableAbout(sagaId),
        `it breaks the schema: ${why}`,
      ]);
      return;
    }
    if (!this.isOwnSaga(coordinates.sagaId)) return;
    const decoded = decodeMessage(replyMessageSchema, message.value ?? '');
    const reply = decoded.ok ? decoded.value : undefined;
    const problem = decoded.ok
      ? (headerProblem(message.headers, MESSAGE_TYPES.reply, decoded.value) ??
        (message.key === decoded.value.sagaId
          ? undefined
          : 'the reply is not keyed by its saga id'))
      : `the reply breaks the schema: ${decoded.reason}`;
    this.replies.push({ coordinates, reply, problem });
  }
}

function coordinatesIn(value: string | null): Coordinates | undefined {
  try {
    const body = JSON.parse(value ?? '') as Record<string, unknown>;
    const { sagaId, stepId, action, attempt } = body;
    if (typeof sagaId !== 'string' || typeof stepId !== 'string') return undefined;
    if ((action !== 'execute' && action !== 'compensate') || typeof attempt !== 'number') {
      return undefined;
    }
    return { sagaId, stepId, action, attempt };
  } catch {
    return undefined;
  }
}

function sagaIdIn(value: string | null): string | undefined {
  try {
    const sagaId = (JSON.parse(value ?? '') as Record<string, unknown>)['sagaId'];
    return typeof sagaId === 'string' ? sagaId : undefined;
  } catch {
    return undefined;
  }
}

function sameCoordinates(a: Coordinates | undefined, b: Coordinates): boolean {
  return (
    a !== undefined &&
    a.sagaId === b.sagaId &&
    a.stepId === b.stepId &&
    a.action === b.action &&
    a.attempt === b.attempt
  );
}
