import fc from 'fast-check';
import { isTerminal } from '../state/saga-state.js';
import { commands, settle } from './model/model-commands.fixture.js';
import { World } from './model/model-world.fixture.js';
import { buildDefinition, sagaSpec } from './model/random-saga.fixture.js';

describe('the engine against random definitions and random events', () => {
  it('keeps every invariant after every event, and ends every saga once participants recover', () => {
    fc.assert(
      fc.property(sagaSpec, fc.commands(commands, { maxCommands: 50 }), (spec, cmds) => {
        const definition = buildDefinition(spec);
        const world = new World(definition);
        fc.modelRun(() => ({ model: {}, real: world }), cmds);
        settle(world);
        expect(isTerminal(world.state)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
