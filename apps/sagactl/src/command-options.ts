import type { CommandCall, OptionName } from './command-spec.js';
import { UsageError } from './exit-codes.js';

// Reading a command's options and arguments; a bad one is a UsageError naming it (exit 2).

/** The text of `--name`, if given. */
export function textOption(call: CommandCall, name: OptionName): string | undefined {
  const value = call.options[name];
  return typeof value === 'string' ? value : undefined;
}

/** The text of `--name`; a UsageError when it is missing or blank. */
export function requiredText(call: CommandCall, name: OptionName, what = 'text'): string {
  const value = textOption(call, name);
  if (value === undefined || value.trim() === '') {
    throw new UsageError(`--${name} <${what}> is required`, call.usage);
  }
  return value;
}

/** `--name` as a whole number from `min` to `max`, if given. */
export function wholeNumberOption(
  call: CommandCall,
  name: OptionName,
  min = 1,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  const value = textOption(call, name);
  return value === undefined ? undefined : wholeNumber(call, `--${name}`, value, min, max);
}

/** `--name` as a whole number of at least `min`; a UsageError when it is missing. */
export function requiredWholeNumber(call: CommandCall, name: OptionName, min = 1): number {
  return wholeNumber(call, `--${name}`, requiredText(call, name, 'n'), min);
}

/** The positional argument at `index` as a whole number (a version). */
export function wholeNumberArg(call: CommandCall, index: number, label: string): number {
  return wholeNumber(call, `<${label}>`, call.args[index] ?? '', 1);
}

/** A flag given (`--all`). */
export function flag(call: CommandCall, name: OptionName): boolean {
  return call.options[name] === true;
}

function wholeNumber(
  call: CommandCall,
  label: string,
  text: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const number = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`${label} must be a whole number ${range}, not '${text}'`, call.usage);
  }
  return number;
}
