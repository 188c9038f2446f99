import type { SagaRegistry } from '#saga-core';

/**
 * The participants the coordinator commands: those it was started with and those of every
 * definition its registry holds, read anew at each call (a definition registered over the API
 * brings its participants with it).
 */
export class KnownParticipants {
  constructor(
    private readonly fixed: readonly string[],
    private readonly registry: SagaRegistry,
  ) {}

  /** Every participant's name, sorted. */
  list(): string[] {
    const names = new Set(this.fixed);
    for (const definition of this.registry.list()) {
      for (const step of definition.steps) names.add(step.participant);
    }
    return [...names].sort();
  }

  has(participant: string): boolean {
    return this.list().includes(participant);
  }
}
