import { jest } from '@jest/globals';
import type { Database } from '#postgres';
import type { CommandMessage } from '#contracts';
import { WorkSignals } from '../common/work-signals.js';
import { resilienceConfig, resilienceEnvironmentSchema } from '../config/resilience-config.js';
import type { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import { CapacityMonitor, RELAXED_POLLS } from './capacity-monitor.js';
import { CommandGate } from './command-gate.js';
import type { CapacityCounts, ReleaseResult } from './held-commands.js';
import { SagaAdmission } from './saga-admission.js';
import type { ProbeCommand } from './probe-outcomes.js';
import type { StepState } from '#saga-core';

// Caps of 100 sagas, 10 commands per participant, 2 for shipping; the rest as deployed.
const config = resilienceConfig(
  resilienceEnvironmentSchema.parse({
    MAX_SAGAS_IN_FLIGHT: '100',
    MAX_COMMANDS_IN_FLIGHT_PER_PARTICIPANT: '10',
    PARTICIPANT_OVERRIDES: '{"shipping":{"maxCommandsInFlight":2}}',
  }),
);

const command = (participant: string): CommandMessage =>
  ({ participant, stepId: 's', attempt: 1, action: 'execute' }) as CommandMessage;

/** The monitor with the database's counts scripted: each read answers `counts`, or fails. */
class ScriptedMonitor extends CapacityMonitor {
  reads = 0;
  counts: CapacityCounts = { sagasInFlight: 0, loads: new Map() };
  failing = false;

  protected override readCounts(): Promise<CapacityCounts> {
    this.reads++;
    if (this.failing) return Promise.reject(new Error('connection lost'));
    return Promise.resolve({ ...this.counts, loads: new Map(this.counts.loads) });
  }

  /** Runs `rounds` rounds; resolves with the rounds (1-based) that read the counts. */
  async readingRounds(rounds: number): Promise<number[]> {
    const reading: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const before = this.reads;
      await this.round().catch(() => undefined);
      if (this.reads > before) reading.push(round);
    }
    return reading;
  }
}

/**
 * A monitor of `Monitor`'s class whose every release answers `release`, published through
 * `publish`, with one command of payment's held.
 */
function releasingMonitor<M extends ScriptedMonitor>(
  Monitor: new (...args: ConstructorParameters<typeof ScriptedMonitor>) => M,
  gate: CommandGate,
  release: ReleaseResult,
  publish: OutboxFastPath['publish'],
): M {
  const database = { transaction: () => Promise.resolve(release) } as unknown as Database;
  const monitor = new Monitor(
    database,
    gate,
    new SagaAdmission(config.maxSagasInFlight),
    new WorkSignals(),
    config.capacityPollMs,
    (_sagaId, payload) => payload,
    { publish } as unknown as OutboxFastPath,
  );
  monitor.counts = { sagasInFlight: 1, loads: new Map([['payment', { inFlight: 0, held: 1 }]]) };
  return monitor;
}

describe('CapacityMonitor: when it reads the counts', () => {
  let gate: CommandGate;
  let admission: SagaAdmission;
  let monitor: ScriptedMonitor;

  beforeEach(() => {
    gate = new CommandGate(config);
    admission = new SagaAdmission(config.maxSagasInFlight);
    // No command is held here, so a round never reaches the database or the fast path.
    monitor = new ScriptedMonitor(
      {} as Database,
      gate,
      admission,
      new WorkSignals(),
      config.capacityPollMs,
      (_sagaId, payload) => payload,
      {} as OutboxFastPath,
    );
  });

  afterEach(() => gate.shutdown());

  it('reads them once every few rounds while every count is under half its cap', async () => {
    monitor.counts = {
      sagasInFlight: 49,
      loads: new Map([['payment', { inFlight: 4, held: 0 }]]),
    };
    expect(RELAXED_POLLS).toBe(4);
    expect(await monitor.readingRounds(9)).toEqual([1, 5, 9]);
  });

  it('reads them every round once the sagas in flight reach half their cap', async () => {
    monitor.counts = { sagasInFlight: 50, loads: new Map() };
    expect(await monitor.readingRounds(3)).toEqual([1, 2, 3]);
  });

  it("reads them at the next round once this instance's own starts reach half the cap", async () => {
    monitor.counts = { sagasInFlight: 49, loads: new Map() };
    expect(await monitor.readingRounds(2)).toEqual([1]);
    admission.noteStarted(1);
    expect(await monitor.readingRounds(1)).toEqual([1]);
  });

  it("reads them every round once a participant's commands reach half its own cap", async () => {
    monitor.counts = { sagasInFlight: 0, loads: new Map([['payment', { inFlight: 4, held: 0 }]]) };
    expect(await monitor.readingRounds(2)).toEqual([1]);
    // Sent by this instance since the read: 5 of payment's 10, as the next read finds too.
    expect(gate.admit(command('payment'))).toBe('send');
    monitor.counts = { sagasInFlight: 0, loads: new Map([['payment', { inFlight: 5, held: 0 }]]) };
    expect(await monitor.readingRounds(2)).toEqual([1, 2]);
  });

  it('counts a participant against its own cap (an override)', async () => {
    expect(await monitor.readingRounds(2)).toEqual([1]);
    expect(gate.admit(command('shipping'))).toBe('send'); // 1 of its 2
    expect(await monitor.readingRounds(1)).toEqual([1]);
  });

  it('reads them every round while a command is held', async () => {
    monitor.counts = { sagasInFlight: 0, loads: new Map([['payment', { inFlight: 0, held: 1 }]]) };
    // Held commands are released each round too: none may go here (none is in the database).
    jest.spyOn(gate, 'releasable').mockReturnValue(0);
    expect(await monitor.readingRounds(3)).toEqual([1, 2, 3]);
  });

  it('reads them again at the next round after a read failed', async () => {
    expect(await monitor.readingRounds(2)).toEqual([1]);
    monitor.failing = true;
    expect(await monitor.readingRounds(3)).toEqual([3]);
    expect(await monitor.readingRounds(2)).toEqual([1, 2]);
    monitor.failing = false;
    expect(await monitor.readingRounds(2)).toEqual([1]);
  });
});

describe('CapacityMonitor: a held command that does not open', () => {
  let gate: CommandGate;
  let publish: jest.Mock<OutboxFastPath['publish']>;
  let monitor: ScriptedMonitor;
  const release: ReleaseResult = {
    released: 0,
    dropped: 0,
    outbox: { ids: [], rows: [] },
    sent: [],
    unopenable: [{ sagaId: 'saga-1', stepId: 'pay', reason: 'UnsealError: no key old' }],
  };

  beforeEach(() => {
    jest.useFakeTimers();
    gate = new CommandGate(config);
    publish = jest.fn<OutboxFastPath['publish']>();
    monitor = releasingMonitor(ScriptedMonitor, gate, release, publish);
  });

  afterEach(() => {
    gate.shutdown();
    jest.useRealTimers();
  });

  it('spends no probe of a half-open breaker: the probe is given back for the next command', async () => {
    const { volumeThreshold, resetTimeoutMs, halfOpenProbes } = config.participantDefaults;
    for (let i = 0; i < volumeThreshold; i++) gate.recordOutcome('payment', false);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    jest.advanceTimersByTime(resetTimeoutMs);
    expect(gate.status(['payment'])[0]?.breaker.state).toBe('half-open');

    expect(await monitor.round()).toBe(0);

    expect(publish).toHaveBeenCalledWith([], []);
    expect(gate.status(['payment'])[0]).toMatchObject({
      breaker: { state: 'half-open', probesLeft: halfOpenProbes },
      commandsInFlight: 0,
      commandsHeld: 0,
    });
  });
});

describe('CapacityMonitor: a probe whose reply another instance decides', () => {
  const probe: ProbeCommand = { sagaId: 'saga-7', stepId: 'pay', action: 'execute', attempt: 2 };
  let gate: CommandGate;
  let monitor: ScriptedMonitor & { step: StepState | undefined };

  beforeEach(() => {
    jest.useFakeTimers();
    gate = new CommandGate(config);
    const release: ReleaseResult = {
      released: 1,
      dropped: 0,
      outbox: { ids: ['1'], rows: [] },
      sent: [probe],
      unopenable: [],
    };
    class WatchingMonitor extends ScriptedMonitor {
      step: StepState | undefined = { status: 'running', attempt: 2, sentAt: 0, budgetFrom: 1 };
      protected override readProbeSteps() {
        return Promise.resolve([this.step]);
      }
    }
    monitor = releasingMonitor(WatchingMonitor, gate, release, () => undefined);
  });

  afterEach(() => {
    gate.shutdown();
    jest.useRealTimers();
  });

  /** Opens payment's breaker and lets it go half-open. */
  const halfOpen = async () => {
    const { volumeThreshold, resetTimeoutMs } = config.participantDefaults;
    for (let i = 0; i < volumeThreshold; i++) gate.recordOutcome('payment', false);
    for (let i = 0; i < 5; i++) await Promise.resolve();
    jest.advanceTimersByTime(resetTimeoutMs);
    expect(gate.breakerState('payment')).toBe('half-open');
  };

  it('closes the breaker once the probe’s step shows its success, wherever it was decided', async () => {
    await halfOpen();
    expect(await monitor.round()).toBe(1); // the probe goes
    await monitor.round();
    expect(gate.breakerState('payment')).toBe('half-open'); // not answered yet

    monitor.step = { status: 'succeeded', attempts: 2, result: null };
    await monitor.round();
    for (let i = 0; i < 5; i++) await Promise.resolve();

    expect(gate.breakerState('payment')).toBe('closed');
  });

  it('opens it again once the probe’s step shows an error', async () => {
    await halfOpen();
    await monitor.round();
    monitor.step = {
      status: 'backing-off',
      attempt: 2,
      retryAt: 1,
      lastOutcome: { status: 'error', code: 'DOWN', message: 'down', retryable: true },
      lastAttemptTimedOut: false,
      budgetFrom: 1,
    };
    await monitor.round();
    for (let i = 0; i < 5; i++) await Promise.resolve();

    expect(gate.breakerState('payment')).toBe('open');
  });
});
