package example.shipping;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A {@code postgres://user[:password]@host[:port]/db[?param=value&...]} URL, as the TypeScript
 * services take it, turned into a JDBC URL plus connection properties. The password goes into the
 * properties only, never into the JDBC URL or {@link #redacted()}.
 */
final class DatabaseUrl {
  final String jdbcUrl;
  final String user;
  final String password; // null when the URL has none
  final String host;
  final int port;
  final String database;
  final Map<String, String> parameters;

  private DatabaseUrl(String jdbcUrl, String user, String password, String host, int port, String database,
      Map<String, String> parameters) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
    this.host = host;
    this.port = port;
    this.database = database;
    this.parameters = parameters;
  }

  /** Parses the URL; the exception's message never contains the password. */
  static DatabaseUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("DATABASE_URL is required");
    }
    String rest;
    if (url.startsWith("postgres://")) {
      rest = url.substring("postgres://".length());
    } else if (url.startsWith("postgresql://")) {
      rest = url.substring("postgresql://".length());
    } else {
      throw new IllegalArgumentException("DATABASE_URL must start with postgres:// or postgresql://");
    }
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    // The last '@' ends the user info (as WHATWG URL parsing does), so a raw '@' in a password works.
    int at = rest.lastIndexOf('@');
    String userInfo = at >= 0 ? rest.substring(0, at) : "";
    String hostAndPath = at >= 0 ? rest.substring(at + 1) : rest;
    int slash = hostAndPath.indexOf('/');
    String hostPort = slash >= 0 ? hostAndPath.substring(0, slash) : hostAndPath;
    String path = slash >= 0 ? hostAndPath.substring(slash + 1) : "";

    String user;
    String password = null;
    int colon = userInfo.indexOf(':');
    if (colon >= 0) {
      user = decode(userInfo.substring(0, colon), "user");
      password = decode(userInfo.substring(colon + 1), "password");
    } else {
      user = decode(userInfo, "user");
    }
    if (user.isEmpty()) {
      throw new IllegalArgumentException("DATABASE_URL has no user (postgres://user[:password]@host:port/db)");
    }

    String host;
    int port = 5432;
    String portText = null;
    if (hostPort.startsWith("[")) { // IPv6 literal
      int close = hostPort.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("DATABASE_URL has an unclosed IPv6 host");
      }
      host = hostPort.substring(0, close + 1);
      String after = hostPort.substring(close + 1);
      if (after.startsWith(":")) {
        portText = after.substring(1);
      } else if (!after.isEmpty()) {
        throw new IllegalArgumentException("DATABASE_URL has a malformed host");
      }
    } else {
      int c = hostPort.lastIndexOf(':');
      host = c >= 0 ? hostPort.substring(0, c) : hostPort;
      portText = c >= 0 ? hostPort.substring(c + 1) : null;
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("DATABASE_URL has no host");
    }
    if (portText != null && !portText.isEmpty()) {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("DATABASE_URL has a port that is not a number");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("DATABASE_URL has a port out of range");
      }
    }
    String database = decode(path, "database");
    if (database.isEmpty()) {
      throw new IllegalArgumentException("DATABASE_URL has no database name (…/db)");
    }

    Map<String, String> parameters = new LinkedHashMap<>();
    if (!query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq >= 0 ? pair.substring(0, eq) : pair, "parameter");
        String value = eq >= 0 ? decode(pair.substring(eq + 1), "parameter") : "";
        // libpq/node-postgres spell it application_name; pgJDBC calls it ApplicationName.
        parameters.put("application_name".equals(key) ? "ApplicationName" : key, value);
      }
    }
    String jdbcUrl = "jdbc:postgresql://" + host + ":" + port + "/" + encodePathSegment(database);
    return new DatabaseUrl(jdbcUrl, user, password, host, port, database, parameters);
  }

  /** The connection properties for {@link java.sql.DriverManager#getConnection(String, Properties)}. */
  Properties properties() {
    Properties props = new Properties();
    props.setProperty("user", user);
    if (password != null) {
      props.setProperty("password", password);
    }
    parameters.forEach(props::setProperty);
    return props;
  }

  /** For logs: {@code postgres://user:***@host:port/db}. */
  String redacted() {
    return "postgres://" + user + (password != null ? ":***" : "") + "@" + host + ":" + port + "/" + database;
  }

  @Override
  public String toString() {
    return redacted();
  }

  private static String decode(String text, String what) {
    try {
      return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("DATABASE_URL has a malformed percent-escape in its " + what);
    }
  }

  private static String encodePathSegment(String segment) {
    StringBuilder out = new StringBuilder();
    for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
          || c == '.' || c == '~') {
        out.append((char) c);
      } else {
        out.append('%').append(String.format("%02X", c));
      }
    }
    return out.toString();
  }
}
