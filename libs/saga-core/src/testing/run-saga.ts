import type { ReplyOutcome, SagaEventMessage } from '#contracts';
import type { AnySagaDefinition } from '../definition/saga-definition.js';
import { createSagaEngine, type SagaEngine } from '../engine/create-saga-engine.js';
import type { AuditEntry, CommandToSend, Effect } from '../engine/effect.js';
import type { EngineEvent, Wakeup } from '../engine/engine-event.js';
import { mulberry32, type RandomSource } from '../retry/random-source.js';
import { createSagaRegistry, type SagaRef, type SagaRegistry } from '../registry/saga-registry.js';
import { isTerminal, type SagaState } from '../state/saga-state.js';
import { EventQueue } from './event-queue.js';
import {
  behaviourFor,
  succeed,
  type Behaviour,
  type ParticipantScripts,
} from './participant-behaviour.js';
import { randomBehaviour, type RandomBehaviourOptions } from './random-behaviour.js';
import { VirtualClock } from './virtual-clock.js';

/** An operator action taken at a virtual time, in ms after the start. */
export interface OperatorAction {
  readonly afterMs: number;
  readonly action: 'cancel' | 'resume';
  /** Default `operator`. */
  readonly actor?: string;
  readonly reason?: string;
}

/** How to run a saga in virtual time; every field is optional. */
export interface RunSagaOptions {
  /** Scripted participants; a command without a script succeeds at once with null, or behaves randomly if `random` is set. */
  readonly participants?: ParticipantScripts;
  /** Random behaviour for the commands without a script. */
  readonly random?: RandomBehaviourOptions;
  /** Seeds every draw: jitter and random behaviour (default 1). */
  readonly seed?: number;
  /** Default `saga-1`. */
  readonly sagaId?: string;
  /** Virtual start time in epoch ms (default 0). */
  readonly startAt?: number;
  /** The run stops when virtual time passes this many ms after the start (default 24 h). */
  readonly maxVirtualTimeMs?: number;
  /** Operator actions at given times (e.g. resume a stuck saga after a minute). */
  readonly operator?: readonly OperatorAction[];
}

/** A command as the simulated transport saw it. */
export interface SentCommand {
  /** Virtual epoch ms. */
  readonly at: number;
  readonly command: CommandToSend;
}

/** What a simulated run did and how it ended. */
export interface SagaRun {
  readonly finalState: SagaState;
  /** `finished`: terminal; `stuck`: stuck with nothing left to happen; `idle`: nothing left to happen; `time-limit`: maxVirtualTimeMs passed. */
  readonly stopReason: 'finished' | 'stuck' | 'idle' | 'time-limit';
  readonly commands: readonly SentCommand[];
  readonly events: readonly SagaEventMessage[];
  readonly audit: readonly AuditEntry[];
  /** Virtual ms from the start to the last event applied. */
  readonly durationMs: number;
  /** Events applied after the start. */
  readonly transitions: number;
}

/** What the simulated world can make happen. */
type Happening =
  | { readonly kind: 'reply'; readonly command: CommandToSend; readonly outcome: ReplyOutcome }
  | { readonly kind: 'wakeup'; readonly wakeupId: string; readonly wakeup: Wakeup }
  | { readonly kind: 'operator'; readonly action: OperatorAction };

/** Either a definition, or a registry and a reference into it. */
export type RunTarget =
  AnySagaDefinition | { readonly registry: SagaRegistry; readonly ref: SagaRef };

/**
 * Runs a saga against simulated participants as a discrete-event simulation in virtual time: a
 * saga that waits hours for retries finishes in milliseconds. Pure and deterministic for a seed.
 */
export function runSaga(target: RunTarget, input: unknown, options: RunSagaOptions = {}): SagaRun {
  return new Simulation(target, options).run(input);
}

/** One simulated run: the engine, a queue of future happenings, and what was observed. */
class Simulation {
  private readonly engine: SagaEngine;
  private readonly ref: SagaRef;
  private readonly clock: VirtualClock;
  private readonly eventDraws: RandomSource;
  private readonly behaviourDraws: RandomSource;
  private readonly queue = new EventQueue<Happening>();
  private readonly liveWakeups = new Set<string>();
  private readonly calls = new Map<string, number>();
  private readonly commands: SentCommand[] = [];
  private readonly events: SagaEventMessage[] = [];
  private readonly audit: AuditEntry[] = [];

  constructor(
    target: RunTarget,
    private readonly options: RunSagaOptions,
  ) {
    const registry = 'registry' in target ? target.registry : createSagaRegistry([target]);
    this.ref = 'registry' in target ? target.ref : { name: target.name, version: target.version };
    this.engine = createSagaEngine(registry);
    this.clock = new VirtualClock(options.startAt ?? 0);
    const seed = options.seed ?? 1;
    this.eventDraws = mulberry32(seed);
    this.behaviourDraws = mulberry32(seed ^ 0x9e3779b9);
  }

  run(input: unknown): SagaRun {
    const startAt = this.clock.now();
    const limit = startAt + (this.options.maxVirtualTimeMs ?? 86_400_000);
    const started = this.engine.start(this.ref, {
      sagaId: this.options.sagaId ?? 'saga-1',
      input,
      at: startAt,
      random: this.eventDraws(),
    });
    if (started.state === null) throw new Error(`start refused: ${started.rejection.message}`);
    let state = started.state;
    this.carryOut(started.effects);
    for (const action of this.options.operator ?? []) {
      this.queue.push(startAt + action.afterMs, { kind: 'operator', action });
    }
    let transitions = 0;
    let lastAt = startAt;
    let stopReason: SagaRun['stopReason'];
    for (;;) {
      if (isTerminal(state)) {
        stopReason = 'finished';
        break;
      }
      const next = this.queue.pop();
      if (next === undefined || next.at > limit) {
        stopReason =
          next !== undefined ? 'time-limit' : state.status === 'stuck' ? 'stuck' : 'idle';
        break;
      }
      const happening = next.item;
      if (happening.kind === 'wakeup' && !this.liveWakeups.delete(happening.wakeupId)) continue;
      lastAt = this.clock.advanceTo(next.at);
      const result = this.engine.transition(state, toEvent(happening, lastAt, this.eventDraws()));
      state = result.state;
      transitions++;
      this.carryOut(result.effects);
    }
    const { commands, events, audit } = this;
    return {
      finalState: state,
      stopReason,
      commands,
      events,
      audit,
      durationMs: lastAt - startAt,
      transitions,
    };
  }

  private carryOut(effects: readonly Effect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'send-command':
          this.send(effect.command);
          break;
        case 'schedule-wakeup':
          this.liveWakeups.add(effect.wakeupId);
          this.queue.push(effect.at, {
            kind: 'wakeup',
            wakeupId: effect.wakeupId,
            wakeup: effect.wakeup,
          });
          break;
        case 'cancel-wakeup':
          this.liveWakeups.delete(effect.wakeupId);
          break;
        case 'publish-event':
          this.events.push(effect.event);
          break;
        case 'append-audit':
          this.audit.push(effect.entry);
          break;
      }
    }
  }

  private send(command: CommandToSend): void {
    this.commands.push({ at: this.clock.now(), command });
    const behaviour = this.behave(command);
    if (behaviour.type === 'no-reply') return;
    const outcome = outcomeOf(behaviour);
    this.queue.push(this.clock.now() + behaviour.latencyMs, { kind: 'reply', command, outcome });
  }

  private behave(command: CommandToSend): Behaviour {
    const script = this.options.participants?.[command.participant]?.[command.commandType];
    const key = `${command.participant}/${command.commandType}`;
    const call = this.calls.get(key) ?? 0;
    this.calls.set(key, call + 1);
    if (script !== undefined) return behaviourFor(script, command, call);
    const random = this.options.random;
    return random ? randomBehaviour(random, command, this.behaviourDraws) : succeed();
  }
}

function outcomeOf(behaviour: Exclude<Behaviour, { type: 'no-reply' }>): ReplyOutcome {
  switch (behaviour.type) {
    case 'succeed':
      return { status: 'success', result: behaviour.result };
    case 'fail':
      return { status: 'failure', code: behaviour.code, message: behaviour.message };
    case 'error':
      return {
        status: 'error',
        code: behaviour.code,
        message: behaviour.message,
        ...(behaviour.retryable === undefined ? {} : { retryable: behaviour.retryable }),
      };
  }
}

function toEvent(happening: Happening, at: number, random: number): EngineEvent {
  switch (happening.kind) {
    case 'reply': {
      const { command, outcome } = happening;
      return {
        type: 'reply',
        at,
        random,
        messageId: `reply:${command.messageId}`,
        stepId: command.stepId,
        action: command.action,
        attempt: command.attempt,
        outcome,
      };
    }
    case 'wakeup':
      return { type: 'wakeup', at, random, wakeupId: happening.wakeupId, ...happening.wakeup };
    case 'operator': {
      const { action } = happening;
      const actor = action.actor ?? 'operator';
      if (action.action === 'resume') return { type: 'resume', at, random, actor };
      return {
        type: 'cancel',
        at,
        random,
        actor,
        ...(action.reason === undefined ? {} : { reason: action.reason }),
      };
    }
  }
}
