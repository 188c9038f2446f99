package example.shipping;

/** Handles a command once per idempotency key and keeps its outcome (Store, on Postgres). */
interface CommandStore {
  /** The command's outcome, new or stored. Throws when the database fails (nothing answered). */
  Store.Handled handle(Command command) throws InfrastructureException;
}
