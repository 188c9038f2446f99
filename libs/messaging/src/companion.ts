import type { MessageTransport } from './message-transport.js';

/** What the coordinator hands a companion: its transport and the prefix of its topic names. */
export interface CompanionContext {
  readonly transport: MessageTransport;
  readonly topicPrefix: string;
}

/** A companion once started: a line that says what runs, and how to stop it. */
export interface RunningCompanion {
  readonly description: string;
  stop(): Promise<void>;
}

/**
 * Something the entry point runs in the coordinator's process, on its transport: the sample
 * participants of the embedded mode. Started once the coordinator runs, stopped before it
 * stops. The coordinator knows companions only by this shape, never by what they are.
 */
export interface Companion {
  start(context: CompanionContext): Promise<RunningCompanion>;
}
