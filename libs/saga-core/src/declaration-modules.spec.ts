// These modules declare types only: the engine's data is plain JSON described by types, never
// classes. The check below keeps them so. Loading them also stops v8 coverage from counting their
// declaration lines as unexecuted code (a module never loaded reports every line as uncovered).
const declarationModules = {
  'definition/input-schema': () => import('./definition/input-schema.js'),
  'definition/saga-definition': () => import('./definition/saga-definition.js'),
  'definition/step-kind': () => import('./definition/step-kind.js'),
  'definition/step-options': () => import('./definition/step-options.js'),
  'engine/effect': () => import('./engine/effect.js'),
  'engine/engine-event': () => import('./engine/engine-event.js'),
  'engine/transition-result': () => import('./engine/transition-result.js'),
  'state/attempt-outcome': () => import('./state/attempt-outcome.js'),
  'state/saga-cause': () => import('./state/saga-cause.js'),
  'state/step-state': () => import('./state/step-state.js'),
  'ports/clock.port': () => import('./ports/clock.port.js'),
};

describe('declaration modules', () => {
  it.each(Object.entries(declarationModules))(
    '%s exports types only, no runtime values',
    async (_, load) => {
      expect(Object.keys(await load())).toEqual([]);
    },
  );
});
