import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { REDACTED } from '#contracts';
import type { LogLevel } from '#logging';
import type { SagaRegistry, SagaState } from '#saga-core';
import { SagaLog } from './saga-log.js';
import type { ObservedTransition } from './saga-metrics.js';

const state = (status: SagaState['status'], revision: number): SagaState =>
  ({
    sagaId: 's-1',
    sagaType: 'order',
    sagaVersion: 1,
    status,
    revision,
    input: { card: '4111', sku: 'a' },
  }) as unknown as SagaState;

const started = state('running', 1);
const replied = state('running', 2);
const completed = state('completed', 3);
const reply = { type: 'reply', stepId: 'pay', action: 'execute', attempt: 1 } as never;

/** A saga's life: its start, a reply that moves it on, the reply that completes it. */
const life: ObservedTransition[] = [
  { before: null, event: null, after: started, effects: [] },
  { before: started, event: reply, after: replied, effects: [] },
  { before: replied, event: reply, after: completed, effects: [] },
];

const resolve = jest.fn(() => ({ sensitive: ['card'] }));
const registry = { resolve } as unknown as SagaRegistry;

/** The messages SagaLog wrote at `level`, by the Nest logger's method. */
function written(level: LogLevel): { log: unknown[]; debug: unknown[] } {
  const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  try {
    new SagaLog(registry, level).decided(life, new Map());
    const msg = (calls: unknown[][]) => calls.map(([line]) => (line as { msg: string }).msg);
    return { log: msg(log.mock.calls), debug: msg(debug.mock.calls) };
  } finally {
    log.mockRestore();
    debug.mockRestore();
  }
}

describe('SagaLog', () => {
  it('writes a saga’s start and end at info and each other change at debug', () => {
    expect(written('debug')).toEqual({
      log: ['saga started', 'saga completed'],
      debug: ['saga reply'],
    });
  });

  it('builds no line the configured level leaves out', () => {
    expect(written('info')).toEqual({ log: ['saga started', 'saga completed'], debug: [] });
    resolve.mockClear();
    expect(written('warn')).toEqual({ log: [], debug: [] });
    expect(written('silent')).toEqual({ log: [], debug: [] });
    // Not even the start line's redacted input, which needs the saga's definition.
    expect(resolve).not.toHaveBeenCalled();
  });

  it('redacts the sensitive fields of the input on the start line', () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    try {
      new SagaLog(registry, 'info').decided(life.slice(0, 1), new Map());
      const line = log.mock.calls[0]![0] as { input: Record<string, unknown> };
      expect(line.input).toEqual({ card: REDACTED, sku: 'a' });
    } finally {
      log.mockRestore();
    }
  });
});
