/** Thrown by `build()` when a saga definition makes no sense; names the saga, the step and the field at fault. */
export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';

  constructor(
    readonly saga: string,
    message: string,
    readonly stepId?: string,
    readonly field?: string,
  ) {
    const where = [`saga "${saga}"`, stepId === undefined ? '' : `step "${stepId}"`, field ?? '']
      .filter((part) => part !== '')
      .join(', ');
    super(`${where}: ${message}`);
  }
}
