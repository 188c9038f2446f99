package example.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The store against the real Postgres of DATABASE_URL (the local one by default), as the participant runs it. */
class StoreTest {
  private final String schema = "java_store_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private final DatabaseUrl url = DatabaseUrl.parse(
      System.getenv().getOrDefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"));
  private Store store;

  @AfterEach
  void dropSchema() throws SQLException {
    try (Store admin = new Store(url, schema); Statement st = admin.connection().createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
      admin.connection().commit();
    }
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aRefusalIsStoredWithoutTheHandlersWritesEvenAfterAStatementOfItsFailed() throws Exception {
    // A handler that writes its effect, then meets a unique violation, catches it and refuses.
    store = new Store(url, schema, (tx, command) -> {
      try (Statement st = tx.createStatement()) {
        st.execute("INSERT INTO \"" + schema + "\".effects (idempotency_key, command_type) VALUES ('k', 'c')");
        st.execute("INSERT INTO \"" + schema + "\".idempotency (idempotency_key, saga_id, step_id, action)"
            + " VALUES ('" + command.idempotencyKey() + "', 's', 'st', 'execute')");
      } catch (SQLException duplicate) {
        return Outcomes.failure("ALREADY_SCHEDULED", "the shipment exists", null);
      }
      return Outcomes.success(Json.object());
    });
    store.migrate();

    Store.Handled handled = store.handle(schedule());

    assertEquals("failure", handled.outcome().get("status").asText());
    assertEquals("ALREADY_SCHEDULED", handled.outcome().get("code").asText());
    assertFalse(handled.replayed());
    assertEquals(0, count("effects"));
    // Stored: a redelivered copy is answered the same refusal, and the handler does not run again.
    Store.Handled again = store.handle(schedule());
    assertEquals("failure", again.outcome().get("status").asText());
    assertEquals(true, again.replayed());
  }

  private Command schedule() {
    ObjectNode json = CommandValidatorTest.command();
    return ((CommandValidator.Valid) new CommandValidator("shipping", "staging.")
        .validate(Json.write(json).getBytes(StandardCharsets.UTF_8))).command();
  }

  private long count(String table) throws SQLException {
    Connection c = store.connection();
    try (PreparedStatement select = c.prepareStatement("SELECT count(*) FROM \"" + schema + "\"." + table);
        ResultSet rs = select.executeQuery()) {
      rs.next();
      long n = rs.getLong(1);
      c.rollback();
      return n;
    }
  }
}
