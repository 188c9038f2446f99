import { jest } from '@jest/globals';
import type { Response } from 'express';
import { HealthController } from './health.controller.js';
import type { ReadinessCheck } from './readiness-check.js';
import { PROBE_RESULT_REUSE_MS } from './shared-probe.js';

/**
 * A dependency whose check counts its probes; it answers, refuses or hangs as the test sets,
 * and `answerHung()` lets the probes that hang answer.
 */
function dependency(name: string) {
  const hung: Array<() => void> = [];
  const state = { probes: 0, answer: 'up' as 'up' | 'refused' | 'hanging' };
  const check: ReadinessCheck = {
    name,
    check: () => {
      state.probes++;
      if (state.answer === 'refused') return Promise.reject(new Error('connect ECONNREFUSED'));
      if (state.answer === 'hanging') return new Promise<void>((resolve) => hung.push(resolve));
      return Promise.resolve();
    },
  };
  return { check, state, answerHung: () => hung.splice(0).forEach((answer) => answer()) };
}

/** Calls `ready()` and gives the HTTP status it set with the body. */
async function readiness(controller: HealthController) {
  let status = 0;
  const response = { status: (code: number) => void (status = code) } as unknown as Response;
  const body = await controller.ready(response);
  return { status, body };
}

describe('HealthController', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers 50 concurrent readiness calls with one probe of each dependency', async () => {
    const database = dependency('database');
    const broker = dependency('broker');
    const controller = new HealthController([database.check, broker.check]);

    const answers = await Promise.all(Array.from({ length: 50 }, () => readiness(controller)));

    expect(answers.every(({ status }) => status === 200)).toBe(true);
    expect([database.state.probes, broker.state.probes]).toEqual([1, 1]);
  });

  it('reuses a result for PROBE_RESULT_REUSE_MS, then probes again', async () => {
    const database = dependency('database');
    const broker = dependency('broker');
    const controller = new HealthController([database.check, broker.check]);

    await readiness(controller);
    await jest.advanceTimersByTimeAsync(PROBE_RESULT_REUSE_MS - 1);
    await readiness(controller);
    expect([database.state.probes, broker.state.probes]).toEqual([1, 1]);

    await jest.advanceTimersByTimeAsync(1);
    await readiness(controller);
    expect([database.state.probes, broker.state.probes]).toEqual([2, 2]);
  });

  it('turns not-ready within the reuse time and the timeout when a dependency hangs, and back', async () => {
    const database = dependency('database');
    const broker = dependency('broker');
    const controller = new HealthController([database.check, broker.check]);
    await readiness(controller);

    broker.state.answer = 'hanging';
    await jest.advanceTimersByTimeAsync(PROBE_RESULT_REUSE_MS);
    const waiting = readiness(controller);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(await waiting).toEqual({
      status: 503,
      body: { status: 'down', checks: { database: 'up', broker: 'down: timed out' } },
    });

    // The abandoned probe still runs: callers wait on it rather than starting another.
    const stillWaiting = readiness(controller);
    await jest.advanceTimersByTimeAsync(2_000);
    expect((await stillWaiting).status).toBe(503);
    expect(broker.state.probes).toBe(2);

    broker.state.answer = 'up';
    broker.answerHung();
    expect((await readiness(controller)).status).toBe(200);
    expect(broker.state.probes).toBe(2);
  });

  it('is ready again once a refusing dependency answers, after the reuse time', async () => {
    const broker = dependency('broker');
    broker.state.answer = 'refused';
    const controller = new HealthController([broker.check]);
    expect((await readiness(controller)).body.checks).toEqual({ broker: 'down: unreachable' });

    broker.state.answer = 'up';
    await jest.advanceTimersByTimeAsync(PROBE_RESULT_REUSE_MS);
    expect(await readiness(controller)).toEqual({
      status: 200,
      body: { status: 'up', checks: { broker: 'up' } },
    });
  });

  it('closes what the checks hold open when the application shuts down', async () => {
    const close = jest.fn(async () => undefined);
    const controller = new HealthController([{ ...dependency('broker').check, close }]);

    await controller.onApplicationShutdown();

    expect(close).toHaveBeenCalledTimes(1);
  });
});
