import { readCommandLine } from './command-line.js';
import { UsageError } from './exit-codes.js';
import { COMMANDS } from './sagactl-commands.js';

const read = (...argv: string[]) => readCommandLine(argv, COMMANDS);
const refusal = (...argv: string[]) => {
  try {
    read(...argv);
  } catch (error) {
    if (error instanceof UsageError) return { message: error.message, usage: error.usage };
    throw error;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

describe('readCommandLine', () => {
  it('finds a command by its words, with its arguments and options, global ones anywhere', () => {
    const line = read('-o', 'table', 'dlq', 'replay', '--pending', '--original-topic', 't');
    expect(line).toMatchObject({
      kind: 'run',
      spec: { words: ['dlq', 'replay'] },
      args: [],
      options: { output: 'table', pending: true, 'original-topic': 't' },
    });
  });

  it('never takes an option value for a command word', () => {
    const line = read('list', '--type', 'list', '--url=http://h:1');
    expect(line).toMatchObject({ spec: { words: ['list'] }, args: [], options: { type: 'list' } });
  });

  it('gives help, for everything or for one command', () => {
    expect(read('--help')).toEqual({ kind: 'help' });
    expect(read('defs', 'ramp', '-h')).toMatchObject({
      kind: 'help',
      spec: { words: ['defs', 'ramp'] },
    });
    expect(read('dlq', '--help')).toEqual({ kind: 'help' });
  });

  it('refuses an unknown command or option with the general usage line', () => {
    expect(refusal('lst')).toEqual({
      message: "unknown command 'lst'",
      usage: expect.stringContaining('usage: sagactl <command>'),
    });
    expect(refusal('list', '--bogus').message).toBe('unknown option --bogus');
    expect(refusal('list', '--limit').message).toBe('option --limit needs a value');
    expect(refusal('list', '--all=yes').message).toBe('option --all takes no value');
    expect(refusal('cancel', 's-1', '--reason', '-- duplicate').message).toBe(
      "option --reason needs a value: one that starts with '-' is written --reason=<value>",
    );
    expect(refusal().message).toBe('no command given');
  });

  it("names a group's commands when the second word is missing or unknown", () => {
    expect(refusal('defs').message).toBe(
      "'sagactl defs' needs a command: list, get, apply, routing, ramp, retire",
    );
    expect(refusal('dlq', 'purge').message).toBe(
      "'sagactl dlq' has no command 'purge': list, get, replay",
    );
  });

  it("refuses another command's option, and too few or too many arguments, with the usage", () => {
    expect(refusal('get', 'x', '--limit', '3')).toEqual({
      message: "'sagactl get' takes no option --limit",
      usage: 'usage: sagactl get <sagaId>',
    });
    expect(refusal('defs', 'get', 'order').message).toBe('missing <version>');
    expect(refusal('cancel', 'a', 'b', '--reason', 'r').message).toBe("unexpected argument 'b'");
  });

  it('accepts an optional argument, present or not', () => {
    expect(read('participants')).toMatchObject({ args: [] });
    expect(read('participants', 'payment')).toMatchObject({ args: ['payment'] });
  });
});
