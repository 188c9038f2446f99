// Micro-benchmark of what the coordinator's circuit breakers cost per command: for every
// command, the gate's admission (breaker state, cap on commands in flight) when the decision
// plans it, and the outcome fed to the participant's opossum breaker when its reply is applied.
// Prints ns per command with the gate, against the same loop without it. Run: `npm run bench:breaker`.
import { performance } from 'node:perf_hooks';
import type { CommandMessage } from '#contracts';
import type { ResilienceConfig } from '../apps/coordinator/src/config/resilience-config.js';
import { CommandGate } from '../apps/coordinator/src/resilience/command-gate.js';

const PARTICIPANTS = ['inventory', 'payment', 'shipping', 'notification'];
const COMMANDS = 200_000;
/** Outcomes settle (opossum's promises resolve) after every batch of this many commands. */
const BATCH = 1_000;
const ROUNDS = 5;

const config: ResilienceConfig = {
  maxSagasInFlight: 10_000,
  startsPauseAtReplyBacklog: 100,
  httpStartWaitMaxMs: 5_000,
  capacityPollMs: 250,
  participantDefaults: {
    errorThresholdPercentage: 50,
    volumeThreshold: 10,
    rollingWindowMs: 10_000,
    resetTimeoutMs: 10_000,
    halfOpenProbes: 3,
    maxCommandsInFlight: 1_000_000,
  },
  overrides: {},
};

const commands: CommandMessage[] = PARTICIPANTS.map(
  (participant) => ({ participant, stepId: 's', attempt: 1, action: 'execute' }) as CommandMessage,
);

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The loop's own cost: pick the command, look at its participant, let the batch settle. */
async function baseline(): Promise<number> {
  let sent = 0;
  for (let i = 0; i < COMMANDS; i++) {
    const command = commands[i % commands.length]!;
    if (command.participant.length > 0) sent++;
    if (i % BATCH === BATCH - 1) await settle();
  }
  return sent;
}

/** Admits every command, then feeds its outcome (1 in 20 an error) to the breaker. */
async function gated(gate: CommandGate): Promise<number> {
  let sent = 0;
  for (let i = 0; i < COMMANDS; i++) {
    const command = commands[i % commands.length]!;
    if (gate.admit(command) === 'send') sent++;
    gate.recordOutcome(command.participant, i % 20 !== 0);
    if (i % BATCH === BATCH - 1) await settle();
  }
  return sent;
}

/** Times one run, opossum's promise callbacks included (they settle once per batch). */
async function time(run: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const sent = await run();
  const elapsed = performance.now() - started;
  if (sent !== COMMANDS) throw new Error(`only ${sent} of ${COMMANDS} commands went out`);
  return elapsed;
}

async function main(): Promise<void> {
  const results: { base: number; withGate: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const gate = new CommandGate(config);
    const base = await time(baseline);
    const withGate = await time(() => gated(gate));
    gate.shutdown();
    results.push({ base, withGate });
  }
  const best = results.reduce((a, b) => (b.withGate < a.withGate ? b : a));
  const perCommand = (ms: number) => (ms * 1e6) / COMMANDS;
  console.log(
    `breaker overhead, ${COMMANDS.toLocaleString('en')} commands over ${PARTICIPANTS.length} participants, best of ${ROUNDS}:`,
  );
  console.log(`  loop alone           ${perCommand(best.base).toFixed(0)} ns per command`);
  console.log(`  admit + outcome      ${perCommand(best.withGate).toFixed(0)} ns per command`);
  console.log(
    `  overhead             ${perCommand(best.withGate - best.base).toFixed(0)} ns per command`,
  );
}

await main();
