// The cost check of a CEL expression, made when it is compiled. The CEL library evaluates with no
// hook to meter work as it goes (its built-in operators cannot be overloaded, its evaluation is
// private), so what could cost more than linear time in the context is refused here, from the
// parsed and type-checked tree. What an expression gives is then bounded as it is built (toJson).

/** A node of the library's parsed tree, as far as this check reads it. */
interface AstNode {
  readonly op: string;
  readonly args?: unknown;
  /** Set by the type checker: `dyn` when it cannot tell (`context` and `result` are dynamic). */
  readonly checkedType?: { readonly name?: unknown };
}

/** Macros that run their body once per element of a list or map. */
const COMPREHENSIONS = new Set(['map', 'filter', 'exists', 'all', 'exists_one', 'existsOne']);

/** Operators that give a number or a boolean whatever their operands: a value of constant size. */
const SCALAR_OPERATORS = new Set([
  ...['*', '/', '%', '-', '-_', '!_', '&&', '||'],
  ...['==', '!=', '<', '<=', '>', '>=', 'in'],
]);

/** Orderings stop at the end of the shorter operand: one bounded operand bounds their cost. */
const ORDERINGS = new Set(['<', '<=', '>', '>=']);

/** Operators whose cost grows with the size of their operands (`+` unless it adds numbers). */
const SIZED_OPERATORS = new Set(['+', '==', '!=', 'in', ...ORDERINGS]);

/** Functions whose cost does not depend on their arguments (the rest may read them whole). */
const CONSTANT_CALLS = new Set([
  ...['has', 'dyn', 'type'],
  ...['hasValue', 'value', 'or', 'orValue', 'none', 'of'], // optional values
]);

/** Types whose values have a constant size. */
const SCALAR_TYPES = new Set([
  ...['bool', 'int', 'uint', 'double', 'null'],
  ...['google.protobuf.Timestamp', 'google.protobuf.Duration'],
]);

/**
 * Concatenations nested in one another's operands, at most: each copies what the ones inside it
 * built, so a chain of k costs k² times a list of the context (`a + b + c + d` is 3 deep).
 */
const MAX_CONCATENATION_DEPTH = 3;

/**
 * Why the expression could cost more than linear time in its input, else undefined:
 * - `matches()` (JavaScript's regular expressions can take exponential time on a crafted input);
 * - `cel.bind()` (a bound variable used twice doubles a value at each binding);
 * - a macro inside another's body (quadratic and worse in the list's length);
 * - in a macro's body, an operation whose cost grows with its operands (`+` but on numbers,
 *   `==`, `!=`, `in`, orderings, function calls but has() and the like) on an operand that is not
 *   bounded by the element: the iteration variable, a field or index of it, a literal, a number or
 *   a boolean, or built of those (an ordering needs one such operand; `+` and merge() take a
 *   list or map written out too);
 * - concatenations (of lists, or of what the type checker cannot tell from lists) nested more
 *   than MAX_CONCATENATION_DEPTH deep.
 * `element` holds, inside a macro's body, the name of its iteration variable.
 */
export function costProblem(node: unknown, element?: ReadonlySet<string>): string | undefined {
  if (!isNode(node)) return undefined;
  const name = callName(node);
  if (name === 'matches') {
    return 'matches() is not available: a regular expression may take exponential time';
  }
  if (name === 'bind') {
    return 'cel.bind() is not available: a bound variable used twice can double a value at each binding';
  }
  if (node.op === 'rcall' && COMPREHENSIONS.has(name)) return comprehensionProblem(node, element);
  if (element !== undefined && !boundedOperation(node, element)) {
    return `${describe(node)} in a macro's body on a value that is not bounded by the element (the iteration variable, a field of it, a literal, a number): its cost would grow with the list times that value`;
  }
  if (isConcatenation(node) && concatenationDepth(node) > MAX_CONCATENATION_DEPTH) {
    return `more than ${MAX_CONCATENATION_DEPTH} concatenations nested in one another: each copies the list built so far (a string chain that starts with a literal, "" + context.a + context.b, is not a concatenation of lists)`;
  }
  for (const child of childrenOf(node)) {
    const problem = costProblem(child, element);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** A macro: its receiver is evaluated once, its body once per element, with the element bound. */
function comprehensionProblem(
  node: AstNode,
  element: ReadonlySet<string> | undefined,
): string | undefined {
  const name = callName(node);
  if (element !== undefined) {
    return `${name}() inside another macro's body: its cost would grow with the square of the list`;
  }
  // An rcall is [name, receiver, [iteration variable, ...body]].
  const [, receiver, [variable, ...body] = []] = node.args as [string, unknown, unknown[]?];
  const receiverProblem = costProblem(receiver, undefined);
  if (receiverProblem !== undefined) return receiverProblem;
  const names = new Set(isNode(variable) && variable.op === 'id' ? [String(variable.args)] : []);
  for (const part of body) {
    const problem = costProblem(part, names);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Whether `node`'s own cost is bounded by the element's size (or constant). */
function boundedOperation(node: AstNode, element: ReadonlySet<string>): boolean {
  const operands = sizedOperands(node);
  if (operands === undefined) return true;
  // `+` and merge() copy their operands' entries, not what the entries hold: a list or map
  // written out has a constant number of them, whatever its values.
  const shallow = node.op === '+' || callName(node) === 'merge';
  const bounded = operands.map(
    (operand) => isBounded(operand, element) || (shallow && isCollectionLiteral(operand)),
  );
  return ORDERINGS.has(node.op) ? bounded.some(Boolean) : bounded.every(Boolean);
}

/** The operands an operation reads whole, or undefined when its cost is constant. */
function sizedOperands(node: AstNode): unknown[] | undefined {
  const args = Array.isArray(node.args) ? (node.args as unknown[]) : [];
  if (SIZED_OPERATORS.has(node.op)) {
    return node.op === '+' && isScalar(node) ? undefined : args;
  }
  if (node.op !== 'call' && node.op !== 'rcall') return undefined;
  if (CONSTANT_CALLS.has(callName(node))) return undefined;
  // A call is [name, [arguments]]; an rcall [name, receiver, [arguments]].
  const [, first, rest] = args;
  return node.op === 'call' ? [...(first as unknown[])] : [first, ...(rest as unknown[])];
}

function isCollectionLiteral(value: unknown): boolean {
  return isNode(value) && (value.op === 'list' || value.op === 'map');
}

/** Whether `value`'s size is bounded by the element's: built of it, literals and scalars. */
function isBounded(value: unknown, element: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.every((item) => isBounded(item, element));
  if (!isNode(value)) return true;
  if (isScalar(value) || SCALAR_OPERATORS.has(value.op)) return true;
  const args = Array.isArray(value.args) ? (value.args as unknown[]) : [];
  switch (value.op) {
    case 'value':
      return true;
    case 'id':
      return element.has(String(value.args));
    case '.':
    case '.?':
    case '[]':
    case '[?]':
      // A field or an item of a value is no bigger than it, whatever the key.
      return isBounded(args[0], element);
    case '?:':
      return isBounded(args[1], element) && isBounded(args[2], element);
    default:
      // A list or map written out, an operation or a call: built of its operands.
      return childrenOf(value).every((child) => isBounded(child, element));
  }
}

/** `+` that is not known to add numbers or strings: it may copy two lists into a new one. */
function isConcatenation(node: AstNode): boolean {
  return node.op === '+' && !isScalar(node) && node.checkedType?.name !== 'string';
}

/** How many concatenations are nested in one another in `node`, through anything but scalars. */
function concatenationDepth(node: AstNode): number {
  if (isScalar(node)) return 0;
  const inner = Math.max(0, ...childrenOf(node).map(concatenationDepth));
  return inner + (isConcatenation(node) ? 1 : 0);
}

function isScalar(node: AstNode): boolean {
  return SCALAR_TYPES.has(node.checkedType?.name as string);
}

function isNode(value: unknown): value is AstNode {
  return value !== null && typeof value === 'object' && 'op' in value;
}

/** The function a call names (`size`, `contains`, `map`…), or '' for another node. */
function callName(node: AstNode): string {
  const args = node.args;
  const isCall = node.op === 'call' || node.op === 'rcall';
  return isCall && Array.isArray(args) && typeof args[0] === 'string' ? args[0] : '';
}

/** The nodes directly under `node` (its arguments, however nested in lists and pairs). */
function childrenOf(node: AstNode): AstNode[] {
  const found: AstNode[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (isNode(value)) found.push(value);
  };
  collect(node.args);
  return found;
}

/** `+`, `in`, `contains()`: how an operation is written, for the message. */
function describe(node: AstNode): string {
  const name = callName(node);
  return name === '' ? `\`${node.op}\`` : `${name}()`;
}
