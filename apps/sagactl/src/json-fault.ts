/**
 * Where a text stops being JSON, as "not valid JSON (line L, column C)". For texts that may hold
 * secrets (a profile file): JSON.parse's own message quotes the text around the fault, and
 * Node 20's does not say where it is, so the text is scanned here and only the place is told.
 */
export function jsonFaultPlace(text: string): string {
  const at = jsonFaultOffset(text);
  if (at === undefined) return 'not valid JSON';
  const before = text.slice(0, at).split('\n');
  return `not valid JSON (line ${before.length}, column ${before[before.length - 1]!.length + 1})`;
}

/** The offset of the first character that cannot be JSON there; undefined when all of it is. */
export function jsonFaultOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonFault(i);
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text[i] !== char) fail();
      i++;
    }
  };
  const string = () => {
    if (text[i] !== '"') fail();
    i++;
    for (;;) {
      const char = text[i];
      if (char === undefined || char < ' ') fail();
      if (char === '"') break;
      if (char === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (match === null) fail();
    i += match![0].length;
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === '{')
      return members('}', () => (string(), space(), text[i] === ':' ? (i++, value()) : fail()));
    if (char === '[') return members(']', value);
    if (char === '"') return string();
    if (char === 't') return literal('true');
    if (char === 'f') return literal('false');
    if (char === 'n') return literal('null');
    return number();
  };
  const members = (close: string, member: () => void) => {
    i++;
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      space();
      member();
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      if (text[i] !== ',') fail();
      i++;
    }
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return undefined;
  } catch (error) {
    if (error instanceof JsonFault) return error.offset;
    throw error;
  }
}

class JsonFault extends Error {
  constructor(readonly offset: number) {
    super('not JSON');
  }
}
