/**
 * What a handler changed outside its transaction (in memory), with how to take it back: the
 * store runs these, newest first, when the transaction does not commit (a technical error, a
 * lost connection, a rerun) and when the handler refuses (its writes are undone then), so what
 * the handler keeps in memory never runs ahead of what the database says was done. A commit
 * whose outcome is unknown (the connection died during COMMIT) is taken back too: the
 * redelivery then finds the stored outcome, or runs afresh.
 */
export class RollbackActions {
  private actions: (() => void)[] = [];

  /** Registers how to take back one change (HandlerContext.onRollback). */
  readonly register = (undo: () => void): void => {
    this.actions.push(undo);
  };

  /** Takes every registered change back, newest first, and forgets them. */
  rollBack(): void {
    const actions = this.actions;
    this.actions = [];
    for (let index = actions.length - 1; index >= 0; index--) actions[index]!();
  }
}
