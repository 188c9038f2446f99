import { DEAD_LETTER_HEADERS, HEADERS, MESSAGE_TYPES } from './headers.js';

describe('header names', () => {
  it('uses the W3C trace context names so tracers find the context', () => {
    expect(HEADERS.traceparent).toBe('traceparent');
    expect(HEADERS.tracestate).toBe('tracestate');
  });

  it('gives every header a distinct lowercase name', () => {
    const names = [...Object.values(HEADERS), ...Object.values(DEAD_LETTER_HEADERS)];
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z-]+$/);
  });

  it('gives every envelope its own message type', () => {
    const types = Object.values(MESSAGE_TYPES);
    expect(new Set(types).size).toBe(types.length);
  });
});
