package example.shipping;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Handles a command once per idempotency key and keeps its outcome (Store, on Postgres). */
interface CommandStore {
  /** The outcome of a command this participant serves, new or stored. Throws when the database fails. */
  Store.Handled handle(Command command) throws InfrastructureException;

  /**
   * The outcome stored under the command's key, once a copy in flight under it has finished; null when
   * there is none. Writes nothing. Throws when the database fails (nothing answered).
   */
  ObjectNode storedOutcome(Command command) throws InfrastructureException;
}
