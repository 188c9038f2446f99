import type { SagaRegistry } from '#saga-core';
import type { Database } from '#postgres';
import type { ParticipantHealth, ParticipantView } from './participant-health.js';
import { readBreakerLog } from './breaker-log.js';
import type { CommandGate } from './command-gate.js';

/** How many breaker changes a participant's view lists. */
const RECENT_CHANGES = 10;

/** Participant health from this instance's gate and the shared breaker log. */
export class ParticipantHealthService implements ParticipantHealth {
  constructor(
    private readonly database: Database,
    private readonly gate: CommandGate,
    /** The definitions, whose participants are shown (registered ones too). */
    private readonly registry: SagaRegistry,
  ) {}

  async list(): Promise<ParticipantView[]> {
    return Promise.all(
      this.gate.status(this.registry.participants()).map((status) => this.view(status)),
    );
  }

  async get(participant: string): Promise<ParticipantView | undefined> {
    if (!this.registry.participants().includes(participant)) return undefined;
    const [status] = this.gate.status([participant]).filter((s) => s.participant === participant);
    return status && this.view(status);
  }

  private async view(status: ReturnType<CommandGate['status']>[number]): Promise<ParticipantView> {
    const recentChanges = await readBreakerLog(this.database, status.participant, RECENT_CHANGES);
    return { ...status, recentChanges };
  }
}
