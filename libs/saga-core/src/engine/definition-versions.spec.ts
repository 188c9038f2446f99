import { z } from 'zod';
import { defineSaga } from '../definition/define-saga.js';
import { createSagaRegistry } from '../registry/saga-registry.js';
import { commandsIn } from '../testing/effect-filters.js';
import { success } from '../testing/outcomes.js';
import { createSagaEngine } from './create-saga-engine.js';

const version = (n: number, command: string) =>
  defineSaga({ name: 'versioned', version: n, input: z.unknown(), initialContext: () => null })
    .step({
      id: 'first',
      participant: 'p',
      command: 'begin',
      kind: 'pivot',
      buildCommand: () => null,
    })
    .step({
      id: 'second',
      participant: 'p',
      command,
      kind: 'retriable',
      dependsOn: ['first'],
      buildCommand: () => null,
    })
    .build();

describe('definition versions in the engine', () => {
  it('runs a saga to its end on the version it started with', () => {
    const registry = createSagaRegistry([version(1, 'old-command')]);
    const engine = createSagaEngine(registry);
    const started = engine.start(
      { name: 'versioned' },
      { sagaId: 's', input: null, at: 0, random: 0 },
    );
    registry.register(version(2, 'new-command'));
    const next = engine.transition(started.state!, {
      type: 'reply',
      at: 1,
      random: 0,
      messageId: 'm',
      stepId: 'first',
      action: 'execute',
      attempt: 1,
      outcome: success(),
    });
    expect(next.state.sagaVersion).toBe(1);
    expect(commandsIn(next.effects).map((command) => command.commandType)).toEqual(['old-command']);
  });

  it('starts new sagas on the latest version', () => {
    const engine = createSagaEngine(createSagaRegistry([version(1, 'old'), version(2, 'new')]));
    const started = engine.start(
      { name: 'versioned' },
      { sagaId: 's', input: null, at: 0, random: 0 },
    );
    expect(started.state?.sagaVersion).toBe(2);
  });

  it('refuses to move a saga whose version is no longer registered, and audits it', () => {
    const engine = createSagaEngine(createSagaRegistry([version(1, 'old')]));
    const started = engine.start(
      { name: 'versioned' },
      { sagaId: 's', input: null, at: 0, random: 0 },
    );
    const orphan = { ...started.state!, sagaVersion: 7 };
    const result = engine.transition(orphan, { type: 'resume', at: 5, random: 0, actor: 'ops' });
    expect(result.state).toBe(orphan);
    expect(result.rejection).toEqual({
      code: 'unknown-definition',
      message: 'no saga "versioned" version 7 is registered',
    });
    expect(result.effects).toEqual([
      {
        type: 'append-audit',
        entry: expect.objectContaining({ eventType: 'resume', actor: 'ops', applied: false }),
      },
    ]);
  });
});
