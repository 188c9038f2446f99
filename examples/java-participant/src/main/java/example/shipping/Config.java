package example.shipping;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Settings from the environment, checked at start-up; a bad value names the variable, never its value. */
final class Config {
  static final Pattern PARTICIPANT_NAME = Pattern.compile("^[a-z0-9][a-z0-9.-]{0,99}$");
  static final Pattern TOPIC_PREFIX = Pattern.compile("^[a-zA-Z0-9._-]{0,100}$");
  static final Pattern SCHEMA_NAME = Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");
  static final Pattern BROKERS = Pattern.compile("^[^,:\\s]+:\\d{1,5}(,[^,:\\s]+:\\d{1,5})*$");

  final String kafkaBrokers;
  final DatabaseUrl database;
  final String topicPrefix;
  final String participant;
  final String dbSchema;
  final String groupId;

  Config(String kafkaBrokers, DatabaseUrl database, String topicPrefix, String participant, String dbSchema,
      String groupId) {
    this.kafkaBrokers = kafkaBrokers;
    this.database = database;
    this.topicPrefix = topicPrefix;
    this.participant = participant;
    this.dbSchema = dbSchema;
    this.groupId = groupId;
  }

  String commandTopic() {
    return topicPrefix + participant + ".commands";
  }

  String deadLetterTopic() {
    return commandTopic() + ".dlq";
  }

  static Config fromEnv(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    String brokers = value(env, "KAFKA_BROKERS", null);
    if (brokers == null) {
      problems.add("KAFKA_BROKERS is required (host:port[,host:port...])");
    } else if (!BROKERS.matcher(brokers).matches()) {
      problems.add("KAFKA_BROKERS must be host:port[,host:port...]");
    }
    DatabaseUrl database = null;
    try {
      database = DatabaseUrl.parse(value(env, "DATABASE_URL", null));
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    String prefix = value(env, "TOPIC_PREFIX", "");
    if (!TOPIC_PREFIX.matcher(prefix).matches()) {
      problems.add("TOPIC_PREFIX must be 0-100 of [a-zA-Z0-9._-]");
    }
    String participant = value(env, "PARTICIPANT", "shipping");
    if (!PARTICIPANT_NAME.matcher(participant).matches()) {
      problems.add("PARTICIPANT must match ^[a-z0-9][a-z0-9.-]{0,99}$");
    }
    String schema = value(env, "DB_SCHEMA", "java_shipping");
    if (!SCHEMA_NAME.matcher(schema).matches()) {
      problems.add("DB_SCHEMA must match ^[a-z_][a-z0-9_]{0,62}$");
    }
    String groupId = value(env, "GROUP_ID", prefix + participant + ".participant");
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("invalid configuration: " + String.join("; ", problems));
    }
    return new Config(brokers, database, prefix, participant, schema, groupId);
  }

  /** Unset or empty means the default, as for the coordinator. */
  private static String value(Map<String, String> env, String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? fallback : v;
  }
}
