import type { DataSource } from 'typeorm';
import type { CommandMessage } from '#contracts';
import { WorkSignals } from '../common/work-signals.js';
import type { ResilienceConfig } from '../config/resilience-config.js';
import type { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import { CapacityMonitor, RELAXED_POLLS } from './capacity-monitor.js';
import { CommandGate } from './command-gate.js';
import { SagaAdmission } from './saga-admission.js';

const POLL_MS = 250;

const config: ResilienceConfig = {
  maxSagasInFlight: 100,
  capacityPollMs: POLL_MS,
  participantDefaults: {
    errorThresholdPercentage: 50,
    volumeThreshold: 4,
    rollingWindowMs: 10_000,
    resetTimeoutMs: 1_000,
    halfOpenProbes: 2,
    maxCommandsInFlight: 10,
  },
  overrides: { shipping: { maxCommandsInFlight: 2 } },
};

const command = (participant: string): CommandMessage =>
  ({ participant, stepId: 's', attempt: 1, action: 'execute' }) as CommandMessage;

describe('CapacityMonitor: how often it reads the counts', () => {
  let gate: CommandGate;
  let admission: SagaAdmission;
  let monitor: CapacityMonitor;

  beforeEach(() => {
    gate = new CommandGate(config);
    admission = new SagaAdmission(config.maxSagasInFlight);
    // The database and the fast path serve rounds; the pace is decided without them.
    monitor = new CapacityMonitor(
      {} as DataSource,
      gate,
      admission,
      new WorkSignals(),
      POLL_MS,
      (_sagaId, payload) => payload,
      {} as OutboxFastPath,
    );
  });

  afterEach(() => gate.shutdown());

  it('polls less often while every count is under half its cap and nothing is held', () => {
    admission.update(49);
    gate.updateLoads(new Map([['payment', { inFlight: 4, held: 0 }]]));
    expect(gate.admit(command('shipping'))).toBe('send'); // 1 of its 2
    expect(gate.admit(command('shipping'))).toBe('send'); // 2 of 2: at its cap
    gate.recordOutcome('shipping', true); // back to 1 of 2
    gate.recordOutcome('shipping', true); // 0 of 2
    expect(monitor.nextPollMs()).toBe(POLL_MS * RELAXED_POLLS);
  });

  it('polls at its pace once the sagas in flight reach half their cap', () => {
    admission.update(49);
    admission.noteStarted(1);
    expect(monitor.nextPollMs()).toBe(POLL_MS);
  });

  it("polls at its pace once a participant's commands in flight reach half its own cap", () => {
    gate.updateLoads(new Map([['payment', { inFlight: 4, held: 0 }]]));
    expect(monitor.nextPollMs()).toBe(POLL_MS * RELAXED_POLLS);
    expect(gate.admit(command('payment'))).toBe('send'); // 5 of its 10
    expect(monitor.nextPollMs()).toBe(POLL_MS);
    gate.recordOutcome('payment', true);
    expect(gate.admit(command('shipping'))).toBe('send'); // 1 of its 2 (an override)
    expect(monitor.nextPollMs()).toBe(POLL_MS);
  });

  it('polls at its pace while any command is held', () => {
    gate.updateLoads(new Map([['payment', { inFlight: 0, held: 1 }]]));
    expect(monitor.nextPollMs()).toBe(POLL_MS);
  });
});
