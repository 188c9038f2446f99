import { dropTimeoutNegativeWarnings } from './kafkajs-warnings.js';

describe('dropTimeoutNegativeWarnings', () => {
  it('drops the warning of a negative timer and passes every other one on, once installed', () => {
    const emitted: unknown[][] = [];
    const target = {
      emitWarning: ((...args: unknown[]) => {
        emitted.push(args);
      }) as NodeJS.Process['emitWarning'],
    };
    dropTimeoutNegativeWarnings(target);
    dropTimeoutNegativeWarnings(target);

    target.emitWarning('-5 is a negative number.', 'TimeoutNegativeWarning');
    target.emitWarning('-5 is a negative number.', { type: 'TimeoutNegativeWarning' });
    target.emitWarning('an old API', 'DeprecationWarning', 'DEP0005');
    target.emitWarning('typed', { type: 'ExperimentalWarning' });
    const custom = new Error('custom');
    custom.name = 'SagaWarning';
    target.emitWarning(custom);

    expect(emitted).toEqual([
      ['an old API', 'DeprecationWarning', 'DEP0005'],
      ['typed', { type: 'ExperimentalWarning' }],
      [custom],
    ]);
  });
});
