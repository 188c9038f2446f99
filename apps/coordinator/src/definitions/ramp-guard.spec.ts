import type { PostgresDefinitionStore } from './definition-store.postgres.js';
import { judgeRamp, RampGuard, type RampReporter } from './ramp-guard.js';
import type { RegisteredDefinitions } from './registered-definitions.js';
import type { VersionRoute } from './version-routes.js';

const options = { margin: 0.2, minSagas: 20 };
const outcomes = (version: number, ended: number, failed: number) => ({ version, ended, failed });

describe('judging a ramp', () => {
  it('waits for the minimum count of ended sagas of the new version', () => {
    expect(judgeRamp(outcomes(2, 19, 19), outcomes(1, 100, 0), options)).toBeUndefined();
  });

  it('rolls back when the new version fails more often by more than the margin, and says why', () => {
    const reason = judgeRamp(outcomes(2, 20, 10), outcomes(1, 180, 9), options);
    expect(reason).toBe(
      'version 2 compensated or got stuck in 10 of 20 sagas (50.0%), version 1 in 9 of 180 ' +
        '(5.0%): more than 20.0% apart',
    );
  });

  it('keeps a ramp within the margin, or one that fails less than the active version', () => {
    expect(judgeRamp(outcomes(2, 40, 10), outcomes(1, 100, 10), options)).toBeUndefined();
    expect(judgeRamp(outcomes(2, 40, 0), outcomes(1, 100, 50), options)).toBeUndefined();
  });

  it('counts an active version without ended sagas as never failing', () => {
    expect(judgeRamp(outcomes(2, 20, 5), outcomes(1, 0, 0), options)).toMatch(/in 0 of 0 \(0.0%\)/);
  });
});

describe('RampGuard', () => {
  const ramping = (name: string): VersionRoute => ({
    name,
    active: 1,
    ramp: { version: 2, percent: 10, since: '2026-12-07T00:00:00.000Z' },
    revision: 3,
  });

  it('judges every ramp when the count of one fails (a statement timeout)', async () => {
    const changed: string[] = [];
    const store = {
      outcomesSince: async (name: string) => {
        if (name === 'refund') throw new Error('canceling statement due to statement timeout');
        return [outcomes(2, 20, 20), outcomes(1, 100, 0)];
      },
      changeRoute: async ({ route }: { route: VersionRoute }) => {
        changed.push(route.name);
        return ['1'];
      },
    } as unknown as PostgresDefinitionStore;
    const definitions = {
      routes: () => [ramping('refund'), ramping('order')],
      catchUp: async () => undefined,
    } as unknown as RegisteredDefinitions;
    const reporter: RampReporter = {
      event: () => ({}) as ReturnType<RampReporter['event']>,
      rolledBack: () => undefined,
    };
    const guard = new RampGuard(store, definitions, { ...options, checkMs: 5_000 }, reporter);

    const rolledBack = await guard.check();

    expect(rolledBack.map(({ name }) => name)).toEqual(['order']);
    expect(changed).toEqual(['order']);
  });
});
