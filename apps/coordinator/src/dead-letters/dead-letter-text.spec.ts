import fc from 'fast-check';
import { anyUnstorable, escapeText, unescapeText, unescapedRow } from './dead-letter-text.js';

describe('dead-letter text escaping', () => {
  it('spells U+0000 and lone surrogates out, and restores any text exactly', () => {
    expect(escapeText('a\u0000b\\u0000\ud800😀\udc00')).toBe('a\\u0000b\\\\u0000\\ud800😀\\udc00');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii' }), (a, b) => {
        for (const text of [a, b, `${a}\u0000\\${b}\ud800`]) {
          const escaped = escapeText(text);
          expect(anyUnstorable([escaped])).toBe(false);
          expect(unescapeText(escaped)).toBe(text);
        }
      }),
      { numRuns: 500, seed: 3 },
    );
  });

  it('unescapes the texts of a row stored escaped, and leaves a sealed value alone', () => {
    const row = {
      original_topic: 't',
      message_key: 'k\\u0000',
      headers: { 'h\\u0000': 'v\\\\' },
      value: 'v\\u0000',
      reason: 'r',
      value_sealed: false,
      text_escaped: true,
    };
    expect(unescapedRow(row)).toEqual({
      ...row,
      message_key: 'k\u0000',
      headers: { 'h\u0000': 'v\\' },
      value: 'v\u0000',
    });
    expect(unescapedRow({ ...row, value_sealed: true }).value).toBe('v\\u0000');
    expect(unescapedRow({ ...row, text_escaped: false })).toEqual({ ...row, text_escaped: false });
  });
});
