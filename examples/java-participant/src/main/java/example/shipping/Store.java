package example.shipping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Properties;

/**
 * Postgres: the schema's two tables, and the once-per-key handling of a command in one transaction
 * (claim the key, close the forward key for a compensation, run the handler, store the outcome).
 */
final class Store implements CommandStore, AutoCloseable {
  /** What happened to a command: its outcome, whether it came from the store, whether it closed a forward key. */
  record Handled(ObjectNode outcome, boolean replayed, boolean closedForwardKey) {}

  /** What a served command does, inside the transaction the store opened: a success or failure outcome. */
  @FunctionalInterface
  interface Handler {
    ObjectNode handle(Connection tx, Command command) throws SQLException;
  }

  private final DatabaseUrl url;
  private final String schema;
  private final Handler handlers;
  private Connection connection;

  Store(DatabaseUrl url, String schema) {
    this(url, schema, new ShippingHandlers(schema)::handle);
  }

  Store(DatabaseUrl url, String schema, Handler handlers) {
    this.url = url;
    this.schema = schema;
    this.handlers = handlers;
  }

  /** Opens the connection if there is none; a failure is an {@link SQLException} for the caller to retry. */
  Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      Properties props = url.properties();
      props.putIfAbsent("ApplicationName", "java-participant-" + schema);
      props.putIfAbsent("connectTimeout", "10");
      props.putIfAbsent("socketTimeout", "35");
      props.putIfAbsent("tcpKeepAlive", "true");
      props.putIfAbsent("options",
          "-c statement_timeout=30000 -c lock_timeout=10000 -c idle_in_transaction_session_timeout=60000");
      connection = DriverManager.getConnection(url.jdbcUrl, props);
      connection.setAutoCommit(false);
    }
    return connection;
  }

  /** Creates the schema and its tables if missing, one instance at a time. */
  void migrate() throws SQLException {
    Connection c = connection();
    try (Statement st = c.createStatement()) {
      st.execute("SELECT pg_advisory_xact_lock(hashtext('java-participant:" + schema + "'))");
      st.execute("CREATE SCHEMA IF NOT EXISTS \"" + schema + "\"");
      st.execute("CREATE TABLE IF NOT EXISTS \"" + schema + "\".idempotency ("
          + " idempotency_key text PRIMARY KEY,"
          + " saga_id text NOT NULL,"
          + " step_id text NOT NULL,"
          + " action text NOT NULL,"
          + " command_type text," // null when a compensation closed a forward key that never came
          + " outcome jsonb," // null only inside the claiming transaction: never committed so
          + " closed_by_compensation boolean NOT NULL DEFAULT false,"
          + " claimed_at timestamptz NOT NULL DEFAULT now(),"
          + " answered_at timestamptz)");
      st.execute("CREATE TABLE IF NOT EXISTS \"" + schema + "\".shipments ("
          + " shipment_id text PRIMARY KEY,"
          + " saga_id text NOT NULL,"
          + " step_id text NOT NULL,"
          + " order_id text NOT NULL,"
          + " customer_id text NOT NULL,"
          + " items jsonb NOT NULL,"
          + " status text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),"
          + " scheduled_at timestamptz NOT NULL DEFAULT now(),"
          + " cancelled_at timestamptz,"
          + " UNIQUE (saga_id, step_id))");
      // Append-only: one row each time a handler ran (see ShippingHandlers), in the same transaction as
      // the stored outcome, so an effect applied twice would show as two rows (audits, tests).
      st.execute("CREATE TABLE IF NOT EXISTS \"" + schema + "\".effects ("
          + " idempotency_key text NOT NULL,"
          + " command_type text NOT NULL,"
          + " applied_at timestamptz NOT NULL DEFAULT now())");
      c.commit();
    } catch (SQLException e) {
      rollbackQuietly();
      throw e;
    }
  }

  /**
   * Handles a served command once per idempotency key. A key that already has an outcome is answered
   * from the store without running the handler; a compensation first closes its step's forward key.
   * A handler's technical error rolls everything back (nothing stored, the key stays open); a
   * refusal ({@code failure}) is stored without any of the handler's writes.
   */
  @Override
  public Handled handle(Command command) throws InfrastructureException {
    Connection tx = transaction();
    try {
      ObjectNode stored = claim(tx, command);
      if (stored != null) {
        tx.commit();
        return new Handled(stored, true, false);
      }
      boolean closed = command.isCompensation() && closeForwardKey(tx, command);
      Savepoint beforeHandler = tx.setSavepoint();
      ObjectNode outcome;
      try {
        outcome = handlers.handle(tx, command);
      } catch (TechnicalError e) {
        tx.rollback();
        return new Handled(Outcomes.error(e.code, e.getMessage(), e.retryable), false, false);
      } catch (SQLException e) {
        if (isTransient(e)) {
          throw e;
        }
        tx.rollback();
        return new Handled(Outcomes.error("INTERNAL", "the shipping handler failed", null), false, false);
      } catch (RuntimeException e) {
        tx.rollback();
        return new Handled(Outcomes.error("INTERNAL", "the shipping handler failed", null), false, false);
      }
      if (!"success".equals(outcome.path("status").asText())) {
        // A refusal applies nothing (the contract's duty 5): what the handler wrote is undone, and
        // a statement of its that failed, caught (which aborts the transaction), no longer stops
        // the refusal from being stored.
        tx.rollback(beforeHandler);
      }
      storeOutcome(tx, command.idempotencyKey(), outcome);
      tx.commit();
      return new Handled(outcome, false, closed);
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  /**
   * Reads the key's outcome through a claim that is then rolled back, so that, like {@link #handle},
   * it waits for a copy in flight under the key (a plain SELECT would not see its uncommitted row).
   */
  @Override
  public ObjectNode storedOutcome(Command command) throws InfrastructureException {
    Connection tx = transaction();
    try {
      ObjectNode stored = claim(tx, command);
      tx.rollback(); // gives up a claim made here: nothing is written
      return stored;
    } catch (SQLException e) {
      throw failed(e);
    }
  }

  /** The connection, its transaction open; a failure to connect is an {@link InfrastructureException}. */
  private Connection transaction() throws InfrastructureException {
    try {
      return connection();
    } catch (SQLException e) {
      drop();
      throw new InfrastructureException("cannot connect to the database", e);
    }
  }

  /** Rolls back after a database error (dropping a lost connection) and wraps it for the caller to retry. */
  private InfrastructureException failed(SQLException e) {
    rollbackQuietly();
    if (isConnectionLost(e)) {
      drop();
    }
    return new InfrastructureException("database error (SQLSTATE " + e.getSQLState() + ")", e);
  }

  /** Claims the key (null), or returns its stored outcome. A copy in flight elsewhere is waited for by Postgres. */
  private ObjectNode claim(Connection tx, Command command) throws SQLException {
    try (PreparedStatement insert = tx.prepareStatement("INSERT INTO \"" + schema + "\".idempotency"
        + " (idempotency_key, saga_id, step_id, action, command_type) VALUES (?, ?, ?, ?, ?)"
        + " ON CONFLICT (idempotency_key) DO NOTHING")) {
      insert.setString(1, command.idempotencyKey());
      insert.setString(2, command.sagaId());
      insert.setString(3, command.stepId());
      insert.setString(4, command.action());
      insert.setString(5, command.commandType());
      if (insert.executeUpdate() == 1) {
        return null;
      }
    }
    try (PreparedStatement select = tx.prepareStatement("SELECT outcome::text FROM \"" + schema
        + "\".idempotency WHERE idempotency_key = ? FOR UPDATE")) {
      select.setString(1, command.idempotencyKey());
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next() || rs.getString(1) == null) {
          throw new SQLException("idempotency record without an outcome", "XX000");
        }
        JsonNode outcome = Json.parse(rs.getString(1));
        return (ObjectNode) outcome;
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new SQLException("stored outcome is not JSON", "XX000", e);
      }
    }
  }

  /** The late-command rule: store ALREADY_COMPENSATED under {@code <sagaId>:<stepId>} unless it has an outcome. */
  private boolean closeForwardKey(Connection tx, Command command) throws SQLException {
    ObjectNode refusal = Outcomes.failure("ALREADY_COMPENSATED",
        "the step was compensated before this command arrived: it is not applied", null);
    try (PreparedStatement insert = tx.prepareStatement("INSERT INTO \"" + schema + "\".idempotency"
        + " (idempotency_key, saga_id, step_id, action, command_type, outcome, closed_by_compensation, answered_at)"
        + " VALUES (?, ?, ?, 'execute', NULL, ?::jsonb, true, now())"
        + " ON CONFLICT (idempotency_key) DO NOTHING")) {
      insert.setString(1, command.forwardKey());
      insert.setString(2, command.sagaId());
      insert.setString(3, command.stepId());
      insert.setString(4, Json.write(refusal));
      return insert.executeUpdate() == 1;
    }
  }

  private void storeOutcome(Connection tx, String key, ObjectNode outcome) throws SQLException {
    try (PreparedStatement update = tx.prepareStatement("UPDATE \"" + schema + "\".idempotency"
        + " SET outcome = ?::jsonb, answered_at = now() WHERE idempotency_key = ?")) {
      update.setString(1, Json.write(outcome));
      update.setString(2, key);
      if (update.executeUpdate() != 1) {
        throw new SQLException("claimed idempotency record vanished", "XX000");
      }
    }
  }

  /** Errors worth another try later rather than an {@code error} reply: connection, lock, serialization, load. */
  static boolean isTransient(SQLException e) {
    String state = e.getSQLState();
    if (state == null) {
      return true;
    }
    return state.startsWith("08") || state.startsWith("53") || state.startsWith("57") || state.equals("40001")
        || state.equals("40P01") || state.equals("55P03") || state.equals("25P03");
  }

  private static boolean isConnectionLost(SQLException e) {
    String state = e.getSQLState();
    return state == null || state.startsWith("08") || state.startsWith("57P") || state.equals("25P03");
  }

  private void rollbackQuietly() {
    try {
      if (connection != null && !connection.isClosed()) {
        connection.rollback();
      }
    } catch (SQLException ignored) {
      drop();
    }
  }

  private void drop() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // already gone
      }
      connection = null;
    }
  }

  @Override
  public void close() {
    rollbackQuietly();
    drop();
  }
}
