import { EventEmitter } from 'node:events';
import { exitWhenOutputCloses } from './closed-output.js';

describe('exitWhenOutputCloses', () => {
  it('ends the process with 141, never 0, when the reader of stdout is gone (EPIPE)', () => {
    const output = new EventEmitter();
    const exits: number[] = [];
    exitWhenOutputCloses(output, (code) => exits.push(code));
    output.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(exits).toEqual([141]);
  });

  it('throws any other write error', () => {
    const output = new EventEmitter();
    exitWhenOutputCloses(output, () => undefined);
    const full = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    expect(() => output.emit('error', full)).toThrow('no space');
  });
});
