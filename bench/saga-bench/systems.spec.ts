import { pickSystems } from './systems.js';

describe('pickSystems', () => {
  const known = ['coordinator', 'floor', 'dbos'];

  it('runs every known system when SYSTEMS is unset or empty', () => {
    expect(pickSystems(undefined, known)).toEqual(known);
    expect(pickSystems('', known)).toEqual(known);
  });

  it('runs the named systems in the order given, once each', () => {
    expect(pickSystems('dbos, coordinator,dbos', known)).toEqual(['dbos', 'coordinator']);
  });

  it('refuses an unknown name and lists the known ones', () => {
    expect(() => pickSystems('coordinator,temporal', known)).toThrow(
      'SYSTEMS: unknown temporal; known: coordinator, floor, dbos',
    );
  });

  it('knows the coordinator', () => {
    expect(pickSystems(undefined)).toContain('coordinator');
  });
});
