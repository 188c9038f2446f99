import { jsonFaultOffset, jsonFaultPlace } from './json-fault.js';

describe('jsonFaultPlace', () => {
  it('says the line and column where the text stops being JSON, and nothing of the text', () => {
    expect(jsonFaultPlace('{\n  "apiKey": s3cret\n}')).toBe('not valid JSON (line 2, column 13)');
    expect(jsonFaultPlace('{')).toBe('not valid JSON (line 1, column 2)');
    expect(jsonFaultPlace('{"a": 1,}')).toBe('not valid JSON (line 1, column 9)');
    expect(jsonFaultPlace('{} x')).toBe('not valid JSON (line 1, column 4)');
  });

  it('finds no fault in JSON', () => {
    for (const text of ['{"a": [1, -2.5e3, true, false, null, "x\\"\\u00e9"]}', ' [] ', '"s"']) {
      expect(jsonFaultOffset(text)).toBeUndefined();
      expect(() => JSON.parse(text) as unknown).not.toThrow();
    }
  });
});
