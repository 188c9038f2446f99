package example.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class DatabaseUrlTest {
  @Test
  void convertsAUrlWithoutPassword() {
    DatabaseUrl u = DatabaseUrl.parse("postgres://postgres@127.0.0.1:5432/test");
    assertEquals("jdbc:postgresql://127.0.0.1:5432/test", u.jdbcUrl);
    assertEquals("postgres", u.user);
    assertNull(u.password);
    Properties p = u.properties();
    assertEquals("postgres", p.getProperty("user"));
    assertFalse(p.containsKey("password"));
    assertEquals("postgres://postgres@127.0.0.1:5432/test", u.redacted());
  }

  @Test
  void keepsThePasswordOutOfTheJdbcUrlAndTheLogs() {
    DatabaseUrl u = DatabaseUrl.parse("postgresql://app:s%40cr%3At+x@db.example:6543/orders?sslmode=require");
    assertEquals("jdbc:postgresql://db.example:6543/orders", u.jdbcUrl);
    assertEquals("s@cr:t+x", u.password);
    assertEquals("s@cr:t+x", u.properties().getProperty("password"));
    assertEquals("require", u.properties().getProperty("sslmode"));
    assertFalse(u.jdbcUrl.contains("s@cr"));
    assertEquals("postgres://app:***@db.example:6543/orders", u.redacted());
    assertEquals(u.redacted(), u.toString());
  }

  @Test
  void acceptsARawAtInThePasswordDefaultPortAndIpv6() {
    DatabaseUrl u = DatabaseUrl.parse("postgres://u:p@ss@localhost/db");
    assertEquals("p@ss", u.password);
    assertEquals("jdbc:postgresql://localhost:5432/db", u.jdbcUrl);
    DatabaseUrl v6 = DatabaseUrl.parse("postgres://u@[::1]:5433/db?application_name=shipper");
    assertEquals("jdbc:postgresql://[::1]:5433/db", v6.jdbcUrl);
    assertEquals("shipper", v6.properties().getProperty("ApplicationName"));
  }

  @Test
  void refusesWhatItCannotUseWithoutEchoingThePassword() {
    assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(null));
    assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("mysql://u@h/db"));
    assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("postgres://u@h:5432/"));
    assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("postgres://h:5432/db"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse("postgres://u:hunter2@h:99999/db"));
    assertFalse(e.getMessage().contains("hunter2"));
  }

  @Test
  void configDefaultsFollowTheContract() {
    Config c = Config.fromEnv(Map.of("KAFKA_BROKERS", "127.0.0.1:9092", "DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/test", "TOPIC_PREFIX", "jtest1."));
    assertEquals("shipping", c.participant);
    assertEquals("java_shipping", c.dbSchema);
    assertEquals("jtest1.shipping.participant", c.groupId);
    assertEquals("jtest1.shipping.commands", c.commandTopic());
    assertEquals("jtest1.shipping.commands.dlq", c.deadLetterTopic());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Config.fromEnv(Map.of("DATABASE_URL", "postgres://u:hunter2@h/db", "DB_SCHEMA", "Bad-Name")));
    assertTrue(e.getMessage().contains("KAFKA_BROKERS is required"));
    assertTrue(e.getMessage().contains("DB_SCHEMA"));
    assertFalse(e.getMessage().contains("hunter2"));
  }
}
